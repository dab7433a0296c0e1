import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DirectUploads, RefusedUpload, type CompletedUploads, type DirectUploadApi, type PreparedUpload, type PutOutcome, type UploadDescription } from './direct-upload.js';

interface FakeFile {
  name: string;
  size: number;
}

const files = (n: number): FakeFile[] => Array.from({ length: n }, (_, i) => ({ name: `p${i}.jpg`, size: 10 + i }));

/** An in-memory server side: slots by id, bytes by id, with switches for the failures to test. */
function fakeServer() {
  let next = 1;
  const stored = new Map<string, string>();
  const calls = { prepare: [] as string[][], complete: [] as string[][], put: [] as string[] };
  const state = { refuseName: '', failPrepareOnce: false, expireOnce: new Set<string>(), failCompleteOnce: false, rejectAtComplete: '' };
  const api: DirectUploadApi = {
    prepare: async (described: UploadDescription[]) => {
      calls.prepare.push(described.map((d) => d.name));
      if (state.failPrepareOnce) {
        state.failPrepareOnce = false;
        throw new Error('network');
      }
      if (described.some((d) => d.name === state.refuseName)) throw new RefusedUpload(`${state.refuseName} is too large`);
      return described.map((): PreparedUpload => ({ imageId: `id${next++}`, method: 'PUT', url: `http://store/${next}`, headers: {} }));
    },
    complete: async (uploads): Promise<CompletedUploads> => {
      calls.complete.push(uploads.map((u) => u.name));
      if (state.failCompleteOnce) {
        state.failCompleteOnce = false;
        throw new Error('network');
      }
      const accepted = uploads.filter((u) => stored.has(u.imageId) && u.name !== state.rejectAtComplete);
      const rejected = uploads.filter((u) => !accepted.includes(u)).map((u) => ({ imageId: u.imageId, name: u.name, code: 'InvalidParameterException', message: `no ${u.name}` }));
      return { queued: accepted.length, accepted, rejected };
    },
  };
  const put = async (slot: PreparedUpload, file: FakeFile, onProgress: (n: number) => void): Promise<PutOutcome> => {
    calls.put.push(file.name);
    if (state.expireOnce.delete(file.name)) return { kind: 'expired' };
    onProgress(file.size);
    stored.set(slot.imageId, file.name);
    return { kind: 'stored' };
  };
  return { api, put, calls, state, stored };
}

/** Flushes scheduled by the uploader run when the test says so. */
function manualClock() {
  const queued: (() => void)[] = [];
  return {
    schedule: (run: () => void) => void queued.push(run),
    runAll: () => queued.splice(0).forEach((run) => run()),
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DirectUploads', () => {
  test('reserves slots in batches, PUTs with them, and confirms in batches', async () => {
    const server = fakeServer();
    const clock = manualClock();
    const uploads = new DirectUploads<FakeFile>({ api: server.api, put: server.put, describe: (f) => f, prepareBatch: 3, completeBatch: 2, schedule: clock.schedule });
    const chosen = files(7);
    uploads.reserve(chosen);
    assert.deepEqual(server.calls.prepare, [['p0.jpg', 'p1.jpg', 'p2.jpg'], ['p3.jpg', 'p4.jpg', 'p5.jpg'], ['p6.jpg']]);
    const results = Promise.all(chosen.map((f) => uploads.upload(f, () => undefined)));
    for (let i = 0; i < 5; i++) await settle();
    clock.runAll();
    assert.deepEqual(await results, chosen.map(() => ({ kind: 'done' })));
    assert.equal(server.calls.prepare.length, 3, 'no slot is asked for twice');
    assert.deepEqual(server.calls.complete.map((c) => c.length), [2, 2, 2, 1]);
    assert.equal(server.stored.size, 7);
  });

  test('a refused file in a batch is asked for alone, and only it is refused', async () => {
    const server = fakeServer();
    server.state.refuseName = 'p1.jpg';
    const uploads = new DirectUploads<FakeFile>({ api: server.api, put: server.put, describe: (f) => f, completeDelayMs: 0 });
    const chosen = files(3);
    uploads.reserve(chosen);
    const results = await Promise.all(chosen.map((f) => uploads.upload(f, () => undefined)));
    assert.deepEqual(results, [{ kind: 'done' }, { kind: 'rejected', reason: 'p1.jpg is too large' }, { kind: 'done' }]);
    assert.deepEqual(server.calls.put.sort(), ['p0.jpg', 'p2.jpg']);
  });

  test('a batch that fails on the network is retried file by file', async () => {
    const server = fakeServer();
    server.state.failPrepareOnce = true;
    const uploads = new DirectUploads<FakeFile>({ api: server.api, put: server.put, describe: (f) => f, completeDelayMs: 0 });
    const chosen = files(2);
    uploads.reserve(chosen);
    assert.deepEqual(await Promise.all(chosen.map((f) => uploads.upload(f, () => undefined))), [{ kind: 'done' }, { kind: 'done' }]);
    assert.deepEqual(server.calls.prepare, [['p0.jpg', 'p1.jpg'], ['p0.jpg'], ['p1.jpg']]);
  });

  test('an expired link gets a new slot and the PUT is made again', async () => {
    const server = fakeServer();
    server.state.expireOnce.add('p0.jpg');
    const uploads = new DirectUploads<FakeFile>({ api: server.api, put: server.put, describe: (f) => f, completeDelayMs: 0 });
    const [file] = files(1);
    assert.deepEqual(await uploads.upload(file, () => undefined), { kind: 'done' });
    assert.deepEqual(server.calls.put, ['p0.jpg', 'p0.jpg']);
    assert.equal(server.calls.prepare.length, 2);
  });

  test('a confirmation lost on the network is retried without uploading the bytes again', async () => {
    const server = fakeServer();
    server.state.failCompleteOnce = true;
    const uploads = new DirectUploads<FakeFile>({ api: server.api, put: server.put, describe: (f) => f, completeDelayMs: 0 });
    const [file] = files(1);
    await assert.rejects(uploads.upload(file, () => undefined), /network/);
    assert.deepEqual(await uploads.upload(file, () => undefined), { kind: 'done' });
    assert.deepEqual(server.calls.put, ['p0.jpg'], 'the bytes were already stored');
    assert.equal(server.calls.complete.length, 2);
  });

  test('a photo the server refuses at confirmation is refused, with its reason', async () => {
    const server = fakeServer();
    server.state.rejectAtComplete = 'p0.jpg';
    const uploads = new DirectUploads<FakeFile>({ api: server.api, put: server.put, describe: (f) => f, completeDelayMs: 0 });
    assert.deepEqual(await uploads.upload(files(1)[0], () => undefined), { kind: 'rejected', reason: 'no p0.jpg' });
  });

  test('a slot older than its lifetime is asked for again before the PUT', async () => {
    const server = fakeServer();
    let now = 0;
    const uploads = new DirectUploads<FakeFile>({ api: server.api, put: server.put, describe: (f) => f, completeDelayMs: 0, slotLifetimeMs: 1000, now: () => now });
    const [file] = files(1);
    uploads.reserve([file]);
    await settle();
    now = 5000;
    assert.deepEqual(await uploads.upload(file, () => undefined), { kind: 'done' });
    assert.equal(server.calls.prepare.length, 2);
    assert.equal(server.calls.put.length, 1);
  });
});
