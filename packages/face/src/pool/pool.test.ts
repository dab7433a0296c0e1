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
