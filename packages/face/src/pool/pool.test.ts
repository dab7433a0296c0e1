import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FacerecError, InvalidImageFormatError, ThrottledError } from '@facerec/core';
import { WorkerPool } from './pool.js';

type Request = { op: 'echo'; value: number; delayMs?: number } | { op: 'throw' } | { op: 'crash' };
const script = new URL('./test-worker.ts', import.meta.url);

test('runs tasks on worker threads and returns their results in order of the calls', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 2, maxQueue: 100 });
  await pool.ready();
  const results = await Promise.all([1, 2, 3, 4, 5].map((value) => pool.run({ op: 'echo', value })));
  assert.deepEqual(results, [2, 4, 6, 8, 10]);
  await pool.close();
});

test('typed errors thrown in a worker arrive as the same typed error', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 1, maxQueue: 10 });
  await assert.rejects(pool.run({ op: 'throw' }), (e: unknown) => e instanceof InvalidImageFormatError && e.message === 'not an image');
  await pool.close();
});

test('a crashing worker fails only its task and is replaced', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 1, maxQueue: 10 });
  await assert.rejects(pool.run({ op: 'crash' }), (e: unknown) => e instanceof FacerecError && e.kind === 'Internal');
  assert.equal(await pool.run({ op: 'echo', value: 21 }), 42);
  await pool.close();
});

test('a full queue refuses new work with ThrottledError instead of queueing without bound', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 1, maxQueue: 2 });
  await pool.ready();
  const running = [pool.run({ op: 'echo', value: 1, delayMs: 200 }), pool.run({ op: 'echo', value: 2 }), pool.run({ op: 'echo', value: 3 })];
  assert.equal(pool.queueDepth, 2);
  await assert.rejects(pool.run({ op: 'echo', value: 4 }), ThrottledError);
  assert.deepEqual(await Promise.all(running), [2, 4, 6]);
  await pool.close();
});

test('a full queue holds `wait` callers back (queue still bounded) and admits them before later arrivals', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 1, maxQueue: 1 });
  await pool.ready();
  const order: number[] = [];
  const track = (p: Promise<number>) => p.then((v) => (order.push(v), v));
  const first = track(pool.run({ op: 'echo', value: 1, delayMs: 100 }));
  const queued = track(pool.run({ op: 'echo', value: 2 }));
  const background = track(pool.run({ op: 'echo', value: 3 }, [], 'wait'));
  assert.equal(pool.queueDepth, 1);
  assert.equal(pool.waitingForRoom, 1);
  await assert.rejects(pool.run({ op: 'echo', value: 4 }), ThrottledError);
  await first;
  // The first task finished: the queued one runs, the held one takes its place in the queue.
  assert.equal(pool.queueDepth, 1);
  assert.equal(pool.waitingForRoom, 0);
  await assert.rejects(pool.run({ op: 'echo', value: 5 }), ThrottledError);
  assert.deepEqual(await Promise.all([queued, background]), [4, 6]);
  assert.deepEqual(order, [2, 4, 6]);
  await pool.close();
});

test('with no queue at all, a `wait` caller runs as soon as the thread is free', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 1, maxQueue: 0 });
  await pool.ready();
  const busy = pool.run({ op: 'echo', value: 1, delayMs: 50 });
  await assert.rejects(pool.run({ op: 'echo', value: 2 }), ThrottledError);
  const held = pool.run({ op: 'echo', value: 3 }, [], 'wait');
  assert.equal(pool.queueDepth, 0);
  assert.deepEqual(await Promise.all([busy, held]), [2, 6]);
  await pool.close();
});

test('with perWorker 2, one thread holds two tasks at once and the queue starts beyond them', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 1, maxQueue: 1, perWorker: 2 });
  await pool.ready();
  const done: number[] = [];
  const track = (p: Promise<number>) => p.then((v) => (done.push(v), v));
  // A slow task and a quick one on the one thread: held together, the quick one finishes first.
  const running = [track(pool.run({ op: 'echo', value: 1, delayMs: 300 })), track(pool.run({ op: 'echo', value: 2 }))];
  assert.equal(pool.queueDepth, 0);
  assert.equal(pool.busyWorkers, 1);
  const queued = track(pool.run({ op: 'echo', value: 3 }));
  assert.equal(pool.queueDepth, 1);
  await assert.rejects(pool.run({ op: 'echo', value: 4 }), ThrottledError);
  assert.deepEqual(await Promise.all([...running, queued]), [2, 4, 6]);
  assert.deepEqual(done, [4, 6, 2]);
  await pool.close();
});

test('a worker that dies holding two tasks fails both and the pool goes on', async () => {
  const pool = new WorkerPool<Request, number>({ script, size: 1, maxQueue: 10, perWorker: 2 });
  await pool.ready();
  const slow = pool.run({ op: 'echo', value: 1, delayMs: 500 });
  const crash = pool.run({ op: 'crash' });
  await assert.rejects(crash, (e: unknown) => e instanceof FacerecError && e.kind === 'Internal');
  await assert.rejects(slow, (e: unknown) => e instanceof FacerecError && e.kind === 'Internal');
  assert.equal(await pool.run({ op: 'echo', value: 21 }), 42);
  await pool.close();
});
