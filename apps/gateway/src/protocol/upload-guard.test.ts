import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { AlbumImage } from '@facerec/albums';
import { FsBlobStore } from '@facerec/storage';
import { receivePhotos } from '../albums/multipart-photos.js';
import { streamUpload } from '../../test/bad-input/stream-upload.js';
import { closeIfUnread } from './body-limit.js';
import { OversizePartGuard, type GuardedOutcome } from './upload-guard.js';

const LIMIT = 64 * 1024;
const SKIP_BUDGET = 1024 * 1024;
const BOUNDARY = 'guardBoundary';
let root: string;
let server: Server;
let url: string;
let last: { kind: 'done' | 'cut'; outcome: GuardedOutcome<AlbumImage>; cutAt?: string } | undefined;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'facerec-guard-'));
  const blobs = new FsBlobStore({ root });
  server = createServer((req, res) => {
    const guard = new OversizePartGuard<AlbumImage>(req, LIMIT, SKIP_BUDGET);
    const received = receivePhotos(req, {
      limitBytes: LIMIT,
      maxFiles: 5,
      upload: guard.track(async (file) => {
        const { size } = await blobs.put(`photos/${randomUUID()}`, file.stream, { maxBytes: 1024 * 1024 * 1024 });
        return { imageId: randomUUID(), name: file.name, status: 'queued', faceCount: null, error: null, attempts: 0, sizeBytes: size, updatedAt: new Date().toISOString() };
      }),
    });
    void Promise.race([received.finally(() => guard.stop()).then((r) => ({ r })), guard.tripped.then((name) => ({ name }))]).then(async (first) => {
      if ('r' in first) {
        last = { kind: 'done', outcome: { accepted: first.r.accepted, rejected: first.r.rejected } };
        res.writeHead(201).end();
        return;
      }
      req.unpipe();
      req.pause();
      last = { kind: 'cut', outcome: await guard.outcome(), cutAt: first.name };
      // As the album route does: answer, then drop what still comes for a moment before closing,
      // so a client busy writing reads the 413 instead of a reset.
      closeIfUnread(req, res);
      res.writeHead(413).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

function part(name: string, size: number): Buffer {
  return Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\n\r\n`), Buffer.alloc(size, 7), Buffer.from('\r\n')]);
}

const headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

test('a part a little over the limit is skipped; the parts after it still arrive (the stream is capped at the limit)', async () => {
  const body = Buffer.concat([part('a.jpg', 1000), part('big.jpg', LIMIT * 4), part('c.jpg', LIMIT), Buffer.from(`--${BOUNDARY}--\r\n`)]);
  const res = await streamUpload({ url, headers, prefix: body, fillerBytes: 0 });
  assert.equal(res.status, 201, res.error);
  assert.equal(last?.kind, 'done');
  assert.deepEqual(last?.outcome.accepted.map((p) => [p.name, p.sizeBytes]), [['a.jpg', 1000], ['c.jpg', LIMIT]]);
  assert.deepEqual(last?.outcome.rejected.map((r) => [r.name, r.code]), [['big.jpg', 'ImageTooLargeException']]);
});

test('a part far over the limit trips the guard: the upload is cut off and the parts before it are reported', async () => {
  const before = (await readdir(path.join(root, 'photos'))).length;
  const prefix = Buffer.concat([part('first.jpg', 500), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="huge.jpg"\r\n\r\n`)]);
  const res = await streamUpload({ url, headers, prefix, fillerBytes: 512 * 1024 * 1024, suffix: Buffer.from(`\r\n--${BOUNDARY}--\r\n`), declareLength: false });
  assert.equal(res.status, 413, res.error);
  assert.ok(res.sentBytes < 48 * 1024 * 1024, `the server let ${(res.sentBytes / 1048576).toFixed(0)} MB in`);
  assert.equal(last?.kind, 'cut');
  assert.equal(last?.cutAt, 'huge.jpg');
  assert.deepEqual(last?.outcome.accepted.map((p) => p.name), ['first.jpg']);
  assert.deepEqual(last?.outcome.rejected.map((r) => [r.name, r.code]), [['huge.jpg', 'ImageTooLargeException']]);
  assert.equal((await readdir(path.join(root, 'photos'))).length, before + 1, 'only the small photo was kept');
  assert.deepEqual(await readdir(path.join(root, '.tmp')).catch(() => []), [], 'no temp file left');
});
