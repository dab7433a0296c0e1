import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { routeWebPath, webHandler } from './serve.js';

describe('routeWebPath', () => {
  test('maps the page URLs and refuses everything else', () => {
    assert.deepEqual(routeWebPath('/'), { redirect: '/studio/' });
    assert.deepEqual(routeWebPath('/studio'), { redirect: '/studio/' });
    assert.deepEqual(routeWebPath('/studio/'), { file: 'studio.html' });
    assert.deepEqual(routeWebPath('/s/abc_DEF-123'), { file: 'storefront.html' });
    assert.deepEqual(routeWebPath('/assets/studio.js'), { file: 'assets/studio.js' });
    for (const other of ['/s/', '/s/a.b', '/assets/../build.ts', '/assets/x.map', '/api/v1/albums', '/healthz']) assert.equal(routeWebPath(other), undefined, other);
  });
});

describe('webHandler', () => {
  let dir: string;
  let url: string;
  const server = createServer((req, res) => webHandler(dir)(req, res, () => res.writeHead(599).end()));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'web-serve-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'storefront.html'), '<p>store</p>');
    await writeFile(path.join(dir, 'assets', 'styles.css'), 'p{}');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  test('serves the storefront for any share token with a strict CSP and no referrer', async () => {
    const res = await fetch(`${url}/s/tok123`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<p>store</p>');
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(res.headers.get('content-security-policy') ?? '', /connect-src 'self';/);
  });

  test('lets the pages connect to the direct-upload origin, and nowhere else', async () => {
    const s3 = 'https://photos.s3.eu-west-1.amazonaws.com';
    const direct = createServer((req, res) => webHandler(dir, { uploadOrigins: [s3] })(req, res, () => res.writeHead(599).end()));
    await new Promise<void>((resolve) => direct.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(direct.address() as AddressInfo).port}/s/tok123`);
      assert.match(res.headers.get('content-security-policy') ?? '', new RegExp(`connect-src 'self' ${s3.replace(/\./g, '\\.')};`));
    } finally {
      await new Promise<void>((resolve) => direct.close(() => resolve()));
    }
  });

  test('answers a matching ETag with 304', async () => {
    const first = await fetch(`${url}/assets/styles.css`);
    const etag = first.headers.get('etag') ?? '';
    const again = await fetch(`${url}/assets/styles.css`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  test('redirects / and passes POST / (the AWS protocol) and unknown paths on', async () => {
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/studio/');
    assert.equal((await fetch(`${url}/`, { method: 'POST' })).status, 599);
    assert.equal((await fetch(`${url}/api/v1/albums`)).status, 599);
  });
});
