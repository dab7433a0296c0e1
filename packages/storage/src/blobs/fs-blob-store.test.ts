import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BlobTooLargeError, InvalidBlobKeyError } from './blob-store.js';
import { blobStoreContract, generatedStream } from './blob-store.contract.js';
import { FsBlobStore } from './fs-blob-store.js';

const tempRoot = () => mkdtemp(join(tmpdir(), 'facerec-blobs-'));

describe('BlobStore contract: FsBlobStore', () => {
  blobStoreContract(async () => {
    const root = await tempRoot();
    return { store: new FsBlobStore({ root }), presigns: false, refusesUnsafeKeys: true, dispose: () => rm(root, { recursive: true, force: true }) };
  });
});

describe('FsBlobStore specifics', () => {
  test('an overflowing put leaves no temp file and keeps the previous object', async () => {
    const root = await tempRoot();
    try {
      const store = new FsBlobStore({ root });
      await store.put('a/b', new Uint8Array([1, 2, 3]));
      await assert.rejects(store.put('a/b', generatedStream(5000).stream, { maxBytes: 4096 }), BlobTooLargeError);
      assert.deepEqual([...(await store.get('a/b'))], [1, 2, 3]);
      assert.deepEqual(await readdir(join(root, '.tmp')), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('reserved names and key clashes are refused; nothing is written outside the root', async () => {
    const parent = await tempRoot();
    const root = join(parent, 'store');
    try {
      const store = new FsBlobStore({ root });
      await assert.rejects(store.put('../outside', new Uint8Array([1])), InvalidBlobKeyError);
      await assert.rejects(store.put('.tmp/x', new Uint8Array([1])), InvalidBlobKeyError);
      await assert.rejects(store.put('.meta/x', new Uint8Array([1])), InvalidBlobKeyError);
      await assert.rejects(store.put('a\\b', new Uint8Array([1])), InvalidBlobKeyError);
      await assert.rejects(store.put('a//b', new Uint8Array([1])), InvalidBlobKeyError);
      await store.put('file', new Uint8Array([1]));
      await assert.rejects(store.put('file/child', new Uint8Array([1])), InvalidBlobKeyError);
      assert.deepEqual(await readdir(parent), ['store']);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('list skips the store’s own bookkeeping and delete prunes empty directories', async () => {
    const root = await tempRoot();
    try {
      const store = new FsBlobStore({ root });
      await store.put('album/one', new Uint8Array([1]), { contentType: 'image/png' });
      await writeFile(join(root, '.tmp', 'stray'), 'left by a crash');
      const keys: string[] = [];
      for await (const key of store.list('')) keys.push(key);
      assert.deepEqual(keys, ['album/one']);
      await store.delete(['album/one']);
      assert.deepEqual((await readdir(root)).sort(), ['.meta', '.tmp']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
