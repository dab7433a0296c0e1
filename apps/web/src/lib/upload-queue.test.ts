import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UploadQueue, type UploadOutcome } from './upload-queue.js';

interface FakeFile {
  name: string;
  size: number;
}

const files = (n: number): FakeFile[] => Array.from({ length: n }, (_, i) => ({ name: `p${i}.jpg`, size: 100 }));
const noWait = async () => undefined;

/** An uploader whose calls the test resolves or fails by hand. */
function manualUploader() {
  const pending: { file: FakeFile; progress: (n: number) => void; resolve: (o: UploadOutcome) => void; reject: (e: Error) => void }[] = [];
  const upload = (file: FakeFile, progress: (n: number) => void) =>
    new Promise<UploadOutcome>((resolve, reject) => pending.push({ file, progress, resolve, reject }));
  return { pending, upload };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('UploadQueue', () => {
  test('never has more than the concurrency limit in flight and finishes every file', async () => {
    let inFlight = 0;
    let most = 0;
    const queue = new UploadQueue<FakeFile>({
      describe: (f) => f,
      concurrency: 4,
      upload: async (_file, progress) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await tick();
        progress(50);
        await tick();
        inFlight--;
        return { kind: 'done' };
      },
    });
    queue.add(files(10));
    await queue.idle();
    assert.equal(most, 4);
    const s = queue.summary();
    assert.equal(s.done, 10);
    assert.equal(s.fraction, 1);
  });

  test('reports byte progress of files in flight', async () => {
    const { pending, upload } = manualUploader();
    const queue = new UploadQueue<FakeFile>({ describe: (f) => f, upload });
    queue.add(files(2));
    assert.equal(pending.length, 2);
    pending[0].progress(50);
    assert.equal(queue.summary().loadedBytes, 50);
    assert.equal(queue.summary().fraction, 0.25);
    pending[0].resolve({ kind: 'done' });
    pending[1].resolve({ kind: 'done' });
    await queue.idle();
  });

  test('retries a network failure automatically, then waits for a manual retry', async () => {
    let calls = 0;
    let networkUp = false;
    const queue = new UploadQueue<FakeFile>({
      describe: (f) => f,
      autoRetries: 2,
      backoff: noWait,
      upload: async () => {
        calls++;
        if (!networkUp) throw new TypeError('Failed to fetch');
        return { kind: 'done' };
      },
    });
    const [item] = queue.add(files(1));
    await queue.idle();
    assert.equal(calls, 3);
    assert.equal(item.state, 'failed');
    assert.equal(item.error, 'Failed to fetch');
    networkUp = true;
    assert.equal(queue.retry(item.id), true);
    await queue.idle();
    assert.equal(item.state, 'done');
    assert.equal(item.attempts, 4);
  });

  test('a rejection is final and drops out of the byte total', async () => {
    const queue = new UploadQueue<FakeFile>({
      describe: (f) => f,
      upload: async (file) => (file.name === 'p0.jpg' ? { kind: 'rejected', reason: 'not an image' } : { kind: 'done' }),
    });
    const [first] = queue.add(files(2));
    await queue.idle();
    assert.equal(first.state, 'rejected');
    assert.equal(queue.retry(first.id), false);
    const s = queue.summary();
    assert.deepEqual([s.done, s.rejected, s.totalBytes, s.fraction], [1, 1, 100, 1]);
  });

  test('retryAllFailed requeues only failed files', async () => {
    let fail = true;
    const queue = new UploadQueue<FakeFile>({
      describe: (f) => f,
      autoRetries: 0,
      upload: async (file) => {
        if (fail && file.name !== 'p1.jpg') throw new Error('offline');
        return { kind: 'done' };
      },
    });
    queue.add(files(3));
    await queue.idle();
    assert.equal(queue.summary().failed, 2);
    fail = false;
    assert.equal(queue.retryAllFailed(), 2);
    await queue.idle();
    assert.equal(queue.summary().done, 3);
  });
});
