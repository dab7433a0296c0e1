import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './worker.js';

test('backoff doubles from the base up to the cap, with half of each step random', () => {
  const low = new Backoff(100, 1000, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.fail()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff(100, 1000, () => 1);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => high.fail()), [100, 200, 400, 800, 1000]);
  assert.equal(high.consecutiveFailures, 5);
});

test('a success starts the backoff again from the base', () => {
  const backoff = new Backoff(100, 1000, () => 1);
  backoff.fail();
  backoff.fail();
  backoff.succeed();
  assert.equal(backoff.consecutiveFailures, 0);
  assert.equal(backoff.fail(), 100);
});

test('a long outage never overflows the cap', () => {
  const backoff = new Backoff(500, 30_000, () => 1);
  let last = 0;
  for (let i = 0; i < 200; i++) last = backoff.fail();
  assert.equal(last, 30_000);
});
