/**
 * The contract every BlobStore adapter passes, run once per adapter from its own test file.
 * Each test works under a fresh random prefix so the tests can share one store.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { BlobNotFoundError, BlobTooLargeError, InvalidBlobKeyError } from './blob-store.js';
import type { BlobStore } from './blob-store.js';

export interface OpenedBlobStore {
  store: BlobStore;
  /** Whether presignPut gives a URL (S3) or undefined (filesystem). */
  presigns: boolean;
  /** Whether keys with `..`, a leading `/` or NUL are refused (the filesystem must; S3 keys are opaque). */
  refusesUnsafeKeys: boolean;
  dispose(): Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * A stream of `total` pseudo-random bytes made on demand, 64 KiB at a time: the test never holds
 * the whole body, so an adapter that buffers it whole is the only thing that could.
 */
export function generatedStream(total: number, seed = 1): { stream: Readable; produced: () => number; sha256: () => string } {
  const hash = createHash('sha256');
  let produced = 0;
  let state = seed >>> 0;
  const stream = new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(64 * 1024, total - produced);
      const chunk = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        chunk[i] = state >>> 24;
      }
      produced += size;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, produced: () => produced, sha256: () => hash.copy().digest('hex') };
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out.sort();
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function blobStoreContract(open: () => Promise<OpenedBlobStore>): void {
  let opened: OpenedBlobStore;
  let store: BlobStore;
  before(async () => {
    opened = await open();
    store = opened.store;
  });
  after(async () => {
    await opened.dispose();
  });
  const fresh = () => `t-${randomUUID()}/`;

  test('put, get, head, list and delete round-trip', async () => {
    const prefix = fresh();
    const body = new TextEncoder().encode('hello blob');
    assert.deepEqual(await store.put(`${prefix}a/one.jpg`, body, { contentType: 'image/jpeg' }), { size: body.length });
    await store.put(`${prefix}a/two.bin`, Readable.from([Buffer.from('two')]));
    assert.deepEqual(Buffer.from(await store.get(`${prefix}a/one.jpg`)).toString(), 'hello blob');
    assert.deepEqual(await store.head(`${prefix}a/one.jpg`), { size: body.length, contentType: 'image/jpeg' });
    assert.equal((await store.head(`${prefix}a/two.bin`))?.size, 3);
    assert.deepEqual(await collect(store.list(prefix)), [`${prefix}a/one.jpg`, `${prefix}a/two.bin`]);

    await store.delete([`${prefix}a/one.jpg`, `${prefix}a/never-existed`]);
    assert.equal(await store.head(`${prefix}a/one.jpg`), undefined);
    await assert.rejects(store.get(`${prefix}a/one.jpg`), BlobNotFoundError);
    assert.deepEqual(await collect(store.list(prefix)), [`${prefix}a/two.bin`]);
  });

  test('list matches a partial last segment and nothing outside the prefix', async () => {
    const prefix = fresh();
    for (const key of ['album-1/img-1', 'album-1/img-2', 'album-1/other', 'album-10/img-1', 'album-2/img-1']) {
      await store.put(prefix + key, new Uint8Array([1]));
    }
    assert.deepEqual(await collect(store.list(`${prefix}album-1/img`)), [`${prefix}album-1/img-1`, `${prefix}album-1/img-2`]);
    assert.deepEqual(await collect(store.list(`${prefix}album-1/`)), [`${prefix}album-1/img-1`, `${prefix}album-1/img-2`, `${prefix}album-1/other`]);
    assert.equal((await collect(store.list(`${prefix}album-1`))).length, 4);
    assert.deepEqual(await collect(store.list(`${prefix}missing/`)), []);
  });

  test('a second put replaces the object', async () => {
    const key = `${fresh()}x`;
    await store.put(key, new TextEncoder().encode('first, longer'));
    await store.put(key, new TextEncoder().encode('second'));
    assert.equal(Buffer.from(await store.get(key)).toString(), 'second');
    assert.equal((await store.head(key))?.size, 6);
  });

  test('a 20 MB generated stream is stored intact', async () => {
    const key = `${fresh()}big.bin`;
    const source = generatedStream(20 * MiB, 7);
    const result = await store.put(key, source.stream, { maxBytes: 21 * MiB, contentType: 'application/octet-stream' });
    assert.equal(result.size, 20 * MiB);
    assert.equal((await store.head(key))?.size, 20 * MiB);
    assert.equal(sha256(await store.get(key)), source.sha256());
    await store.delete([key]);
  });

  test('an endless stream over maxBytes is cut off while streaming and leaves nothing behind', async () => {
    const prefix = fresh();
    const source = generatedStream(Number.MAX_SAFE_INTEGER, 3);
    await assert.rejects(store.put(`${prefix}huge`, source.stream, { maxBytes: MiB }), BlobTooLargeError);
    // A store that buffered the body first would never return; this one stopped reading soon after the limit.
    assert.ok(source.produced() < MiB + 2 * MiB, `read ${source.produced()} bytes of an endless body`);
    assert.equal(await store.head(`${prefix}huge`), undefined);
    assert.deepEqual(await collect(store.list(prefix)), []);
  });

  test('maxBytes: exactly the limit passes, one byte over fails, bytes or stream', async () => {
    const prefix = fresh();
    assert.equal((await store.put(`${prefix}exact`, new Uint8Array(1000), { maxBytes: 1000 })).size, 1000);
    await assert.rejects(store.put(`${prefix}over`, new Uint8Array(1001), { maxBytes: 1000 }), BlobTooLargeError);
    await assert.rejects(store.put(`${prefix}over-stream`, generatedStream(1001).stream, { maxBytes: 1000 }), BlobTooLargeError);
    assert.deepEqual(await collect(store.list(prefix)), [`${prefix}exact`]);
  });

  test('a failing source stream fails the put and stores nothing', async () => {
    const prefix = fresh();
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.put(`${prefix}broken`, failing), /client went away/);
    assert.equal(await store.head(`${prefix}broken`), undefined);
  });

  test('unsafe keys are refused (filesystem) or kept opaque (S3)', async () => {
    const unsafe = ['../escape', 'a/../../escape', '/abs/path', 'nul\0byte', ''];
    for (const key of unsafe) {
      if (opened.refusesUnsafeKeys) {
        await assert.rejects(store.put(key, new Uint8Array([1])), InvalidBlobKeyError, JSON.stringify(key));
        await assert.rejects(store.get(key), InvalidBlobKeyError, JSON.stringify(key));
      }
    }
    if (!opened.refusesUnsafeKeys) {
      // S3 keys are plain strings: `..` is just characters, stored under its own name.
      const key = `${fresh()}../dots`;
      await store.put(key, new Uint8Array([9]));
      assert.deepEqual([...(await store.get(key))], [9]);
    }
  });

  test('presignPut gives a URL a plain fetch can PUT to, or undefined', async () => {
    const key = `${fresh()}presigned.jpg`;
    const url = await store.presignPut(key, { contentType: 'image/jpeg', expiresInSeconds: 300 });
    if (!opened.presigns) {
      assert.equal(url, undefined);
      return;
    }
    assert.ok(url !== undefined);
    const response = await fetch(url, { method: 'PUT', body: new TextEncoder().encode('from the browser'), headers: { 'content-type': 'image/jpeg' } });
    assert.equal(response.status, 200, await response.text());
    assert.equal(Buffer.from(await store.get(key)).toString(), 'from the browser');
    assert.equal((await store.head(key))?.contentType, 'image/jpeg');
  });
}
