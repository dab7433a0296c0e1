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
import { receivePhotos, type PhotoUploadResult } from './multipart-photos.js';

const LIMIT = 64 * 1024;
let root: string;
let server: Server;
let url: string;
let blobs: FsBlobStore;
let last: PhotoUploadResult | undefined;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'facerec-multipart-'));
  blobs = new FsBlobStore({ root });
  server = createServer((req, res) => {
    receivePhotos(req, {
      limitBytes: LIMIT,
      maxFiles: 3,
      upload: async (file): Promise<AlbumImage> => {
        const { size } = await blobs.put(`photos/${randomUUID()}`, file.stream, { maxBytes: LIMIT });
        return { imageId: randomUUID(), name: file.name, status: 'queued', faceCount: null, error: null, attempts: 0, sizeBytes: size, updatedAt: new Date().toISOString() };
      },
    }).then(
      (result) => {
        last = result;
        res.writeHead(201).end();
      },
      (error: unknown) => res.writeHead(400).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

function form(files: { name: string; size: number }[]): FormData {
  const f = new FormData();
  for (const file of files) f.append('files', new Blob([new Uint8Array(file.size).fill(7)]), file.name);
  return f;
}

test('a file over the limit is rejected on its own; the files after it still arrive whole', async () => {
  const res = await fetch(url, { method: 'POST', body: form([{ name: 'a.jpg', size: 1000 }, { name: 'big.jpg', size: LIMIT * 4 }, { name: 'c.jpg', size: LIMIT }]) });
  assert.equal(res.status, 201);
  assert.deepEqual(last?.accepted.map((p) => [p.name, p.sizeBytes]), [['a.jpg', 1000], ['c.jpg', LIMIT]]);
  assert.deepEqual(last?.rejected.map((r) => [r.name, r.code]), [['big.jpg', 'ImageTooLargeException']]);
  assert.equal(last?.fault, undefined);
  assert.equal((await readdir(path.join(root, 'photos'))).length, 2, 'nothing of the big file was kept');
});

test('more files than allowed: the extra ones are reported, not silently dropped', async () => {
  const res = await fetch(url, { method: 'POST', body: form([1, 2, 3, 4].map((n) => ({ name: `${n}.jpg`, size: 10 }))) });
  assert.equal(res.status, 201);
  assert.equal(last?.accepted.length, 3);
  assert.deepEqual(last?.rejected.map((r) => r.code), ['InvalidParameterException']);
});

test('a body that is not multipart is refused', async () => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 400);
});
