/**
 * Security promise 1: every endpoint requires auth. The routes are read from the running express
 * app itself (not from a list kept beside it), so a route added later without authentication
 * makes this test fail. The only routes that answer without a key are health, metrics, the API
 * docs and the storefront's public album routes; the storefront answers only for albums whose
 * studio turned selfie search on, and its search is rate-limited per IP and per album.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { OPERATIONS } from '@facerec/service';
import { sharedFace } from '@facerec/face/testing';
import { ALBUM_ROUTES, createApp, createLogger, REST_ROUTES, type GatewayApp } from '../../src/index.js';
import { LogCapture } from '../harness.js';
import { signedFetch } from '../signing.js';
import { imageForm, restCall, startSecurityStack, type SecurityStack } from './stack.js';

interface RouteEntry {
  method: string;
  path: string;
}

interface LayerLike {
  name: string;
  rawPath: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: LayerLike[]; length: number };
}

/** Every route of the app, with its full path, by walking express's router stack. */
function appRoutes(app: GatewayApp['app']): { routes: RouteEntry[]; middleware: string[] } {
  const routes: RouteEntry[] = [];
  const middleware: string[] = [];
  const walk = (stack: readonly LayerLike[], prefix: string): void => {
    for (const layer of stack) {
      const mount = layer.rawPath === '/' ? '' : String(layer.rawPath);
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) routes.push({ method, path: `${prefix}${layer.route.path}` });
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, prefix + mount);
      } else if (layer.handle.length !== 4) {
        middleware.push(`${prefix + mount || '/'} ${layer.name}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return { routes, middleware };
}

const PUBLIC_OPS = new Set([
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'get /api/v1/openapi.json',
  'get /api/v1/docs',
]);
const STOREFRONT = new Set(ALBUM_ROUTES.filter((r) => r.access === 'public').map((r) => `${r.method} /api/v1${r.path}`));

describe('every endpoint requires auth, except health, docs and the storefront', () => {
  let stack: SecurityStack;
  const ids: Record<string, string> = {};

  before(async () => {
    stack = await startSecurityStack();
    const { a } = stack;
    const coll = await restCall(stack.url, a.authorization, 'post', '/api/v1/collections', { collection_id: 'a-event' });
    assert.equal(coll.status, 201);
    assert.equal((await restCall(stack.url, a.authorization, 'post', '/api/v1/collections/a-event/users', { user_id: 'a-user' })).status, 201);
    const album = await restCall(stack.url, a.authorization, 'post', '/api/v1/albums', { name: 'A wedding' });
    assert.equal(album.status, 201);
    const view = album.body as { albumId: string; shareToken: string };
    Object.assign(ids, { collectionId: 'a-event', userId: 'a-user', faceId: randomUUID(), albumId: view.albumId, imageId: randomUUID(), shareToken: view.shareToken });
  });

  after(async () => {
    await stack?.close();
  });

  const concrete = (route: string): string => route.replace(/:(\w+)/g, (_m, name: string) => {
    const value = ids[name];
    assert.ok(value, `no test value for the route parameter :${name}`);
    return encodeURIComponent(value);
  });

  test('the app\'s routes are the REST, album, AWS and ops tables and nothing else answers on its own', () => {
    const { routes, middleware } = appRoutes(stack.gateway.gateway.app);
    const found = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const r of REST_ROUTES) assert.ok(found.has(`${r.method} /api/v1${r.path}`), `REST route ${r.method} ${r.path} is mounted`);
    for (const r of ALBUM_ROUTES) assert.ok(found.has(`${r.method} /api/v1${r.path}`), `album route ${r.method} ${r.path} is mounted`);
    assert.ok(found.has('post /'), 'the AWS JSON protocol is mounted');
    assert.ok(routes.length >= REST_ROUTES.length + ALBUM_ROUTES.length + PUBLIC_OPS.size + 1);
    // Plain middleware that could answer a request by itself: request context, the static web
    // pages (no data: everything they show comes through the authenticated API), the 404 thrower,
    // and the REST router's marker. A new one must be reviewed here before it is trusted.
    assert.deepEqual(middleware, ['/ <anonymous>', '/ <anonymous>', '/api/v1 markRest', '/api/v1 <anonymous>', '/ <anonymous>']);
  });

  test('every non-public route refuses a request without a key, with a wrong secret and with a malformed header', async () => {
    const { routes } = appRoutes(stack.gateway.gateway.app);
    const guarded = routes.filter((r) => r.path !== '/' && !PUBLIC_OPS.has(`${r.method} ${r.path}`) && !STOREFRONT.has(`${r.method} ${r.path}`));
    assert.ok(guarded.length >= REST_ROUTES.length + ALBUM_ROUTES.length - STOREFRONT.size);
    const wrong = `Bearer ${stack.a.accessKeyId}:${'x'.repeat(40)}`;
    const unknown = `Bearer FRKAAAAAAAAAAAAAAAAA:${stack.a.secretAccessKey}`;
    for (const route of guarded) {
      const url = concrete(route.path);
      const cases: [string | undefined, number, string][] = [
        [undefined, 401, 'MissingAuthenticationTokenException'],
        [wrong, 401, 'UnrecognizedClientException'],
        [unknown, 401, 'UnrecognizedClientException'],
        ['Basic dXNlcjpwYXNz', 401, 'IncompleteSignatureException'],
        [stack.a.secretAccessKey, 401, 'IncompleteSignatureException'],
      ];
      for (const [authorization, status, code] of cases) {
        const out = await restCall(stack.url, authorization, route.method, url, route.method === 'get' || route.method === 'delete' ? undefined : {});
        assert.deepEqual({ route: `${route.method} ${url}`, auth: authorization?.slice(0, 6), status: out.status, code: out.code }, { route: `${route.method} ${url}`, auth: authorization?.slice(0, 6), status, code });
      }
    }
    // Nothing was changed by the refused calls: A's data is all still there.
    const listed = await restCall(stack.url, stack.a.authorization, 'get', '/api/v1/collections');
    assert.ok((listed.body as { CollectionIds: string[] }).CollectionIds.includes('a-event'));
    assert.equal((await restCall(stack.url, stack.a.authorization, 'get', `/api/v1/albums/${ids.albumId}`)).status, 200);
  });

  test('every AWS operation (and an unknown one) refuses unsigned and wrongly signed requests before doing anything', async () => {
    for (const op of [...OPERATIONS, 'NoSuchOperation']) {
      const body = JSON.stringify({ CollectionId: 'a-event' });
      const unsigned = await fetch(`${stack.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RekognitionService.${op}` }, body });
      assert.equal(unsigned.status, 400, op);
      assert.equal(((await unsigned.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException', op);
      const badKey = await signedFetch({ url: stack.url, target: `RekognitionService.${op}`, body, accessKeyId: 'FRKAAAAAAAAAAAAAAAAA', secretAccessKey: stack.a.secretAccessKey });
      assert.equal(((await badKey.json()) as { __type: string }).__type, 'UnrecognizedClientException', op);
      const badSecret = await signedFetch({ url: stack.url, target: `RekognitionService.${op}`, body, accessKeyId: stack.a.accessKeyId, secretAccessKey: 'x'.repeat(40) });
      assert.equal(((await badSecret.json()) as { __type: string }).__type, 'InvalidSignatureException', op);
    }
    const listed = await restCall(stack.url, stack.a.authorization, 'get', '/api/v1/collections');
    assert.ok((listed.body as { CollectionIds: string[] }).CollectionIds.includes('a-event'), 'the refused DeleteCollection deleted nothing');
  });

  test('the open operational routes answer without a key and carry no studio data', async () => {
    for (const entry of PUBLIC_OPS) {
      const [, route] = entry.split(' ');
      const res = await fetch(`${stack.url}${route}`);
      assert.equal(res.status, 200, route);
      const text = await res.text();
      for (const secret of [stack.a.tenantId, stack.a.accessKeyId, 'a-event', ids.albumId, ids.shareToken]) assert.ok(!text.includes(secret), `${route} does not show ${secret}`);
    }
  });

  test('the storefront answers only for albums with selfie search on: off looks exactly like an unknown link', async () => {
    const off = ids.shareToken;
    const unknown = 'Zz9'.repeat(8);
    const selfie = await sharedFace('dev/barack_obama/1.jpg');
    const storefront = ALBUM_ROUTES.filter((r) => r.access === 'public');
    for (const route of storefront) {
      const run = (token: string) => {
        const url = `/api/v1${route.path}`.replace(':shareToken', token).replace(':imageId', ids.imageId) + (route.operation === 'DownloadPublicPhotos' ? `?imageIds=${ids.imageId}` : '');
        return restCall(stack.url, undefined, route.method, url, route.body === 'multipart' ? imageForm(['file'], selfie) : undefined);
      };
      const forUnknown = await run(unknown);
      assert.deepEqual([forUnknown.status, forUnknown.code], [404, 'ResourceNotFoundException'], route.operation);
      const forOff = await run(off);
      if (route.operation === 'GetPublicAlbum') {
        // The page needs the album's name to say "search is not open yet"; no photo is reachable.
        assert.equal(forOff.status, 200);
        assert.deepEqual(Object.keys(forOff.body as object).sort(), ['name', 'photoCount', 'selfieSearch']);
        assert.equal((forOff.body as { selfieSearch: boolean }).selfieSearch, false);
        continue;
      }
      assert.deepEqual({ status: forOff.status, code: forOff.code, message: (forOff.body as { message: string }).message }, { status: forUnknown.status, code: forUnknown.code, message: (forUnknown.body as { message: string }).message }, route.operation);
    }
    const on = await restCall(stack.url, stack.a.authorization, 'patch', `/api/v1/albums/${ids.albumId}`, { selfieSearch: true });
    assert.equal(on.status, 200);
    const search = await restCall(stack.url, undefined, 'post', `/api/v1/public/albums/${off}/search`, imageForm(['file'], selfie));
    assert.equal(search.status, 200, JSON.stringify(search.body));
    assert.deepEqual((search.body as { matches: unknown[] }).matches, []);
    await restCall(stack.url, stack.a.authorization, 'patch', `/api/v1/albums/${ids.albumId}`, { selfieSearch: false });
  });

  test('storefront search is rate-limited per IP and per album (frozen clock: no refill during the test)', async () => {
    const perIp = 3;
    const perAlbum = 5;
    const logs = new LogCapture();
    const frozen = Date.now();
    const gateway = createApp({
      api: stack.gateway.api,
      keys: stack.gateway.repos.apiKeys,
      logger: createLogger('warn', logs),
      jsonBodyLimitBytes: 1024 * 1024,
      uploadFileLimitBytes: 1024 * 1024,
      sigv4: { regions: ['*'], clockSkewSeconds: 300 },
      trustProxy: true,
      albums: {
        albums: stack.gateway.albums,
        photoLimitBytes: 1024 * 1024,
        searchFileLimitBytes: 1024 * 1024,
        rateLimits: { searchesPerIpPerMinute: perIp, searchesPerAlbumPerMinute: perAlbum, fetchesPerIpPerMinute: 1000 },
        now: () => frozen,
      },
    });
    const server = await new Promise<Server>((resolve) => {
      const s = gateway.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const albums = [];
      for (const name of ['limited-1', 'limited-2']) {
        const created = await restCall(url, stack.a.authorization, 'post', '/api/v1/albums', { name });
        const view = created.body as { albumId: string; shareToken: string };
        await restCall(url, stack.a.authorization, 'patch', `/api/v1/albums/${view.albumId}`, { selfieSearch: true });
        albums.push(view.shareToken);
      }
      // A non-image selfie is refused by the engine (400) but counts: limits apply before the body is read.
      const notAnImage = new TextEncoder().encode('not a selfie');
      const search = async (token: string, ip: string) => {
        const res = await fetch(`${url}/api/v1/public/albums/${token}/search`, { method: 'POST', headers: { 'x-forwarded-for': ip }, body: imageForm(['file'], notAnImage) });
        const body = (await res.json()) as { code: string };
        return { status: res.status, code: body.code, retryAfter: res.headers.get('retry-after') };
      };
      for (let i = 0; i < perIp; i++) assert.equal((await search(albums[0], '203.0.113.1')).status, 415, `search ${i + 1} of one IP`);
      const overIp = await search(albums[0], '203.0.113.1');
      assert.deepEqual([overIp.status, overIp.code], [429, 'ThrottlingException']);
      assert.ok(Number(overIp.retryAfter) >= 1);
      assert.equal((await search(albums[1], '203.0.113.1')).status, 429, 'the per-IP limit holds across albums');
      // Other guests of the same album share its budget: 3 used, 2 left, then the album is full.
      assert.equal((await search(albums[0], '203.0.113.2')).status, 415);
      assert.equal((await search(albums[0], '203.0.113.3')).status, 415);
      const overAlbum = await search(albums[0], '203.0.113.4');
      assert.deepEqual([overAlbum.status, overAlbum.code], [429, 'ThrottlingException']);
      // The same fresh guest is not charged for the refused album search and can search another album.
      assert.equal((await search(albums[1], '203.0.113.4')).status, 415);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
