import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBuckets } from './rate-limit.js';

test('a bucket allows its burst, then refuses with the wait until the next token', () => {
  let now = 0;
  const buckets = new TokenBuckets(6, () => now);
  for (let i = 0; i < 6; i++) assert.deepEqual(buckets.take('ip'), { ok: true });
  assert.deepEqual(buckets.take('ip'), { ok: false, retryAfterSeconds: 10 });
  assert.deepEqual(buckets.take('other'), { ok: true }, 'keys are independent');
  now += 10_000;
  assert.deepEqual(buckets.take('ip'), { ok: true });
  assert.equal(buckets.take('ip').ok, false);
});

test('a refund gives the token back; idle keys are pruned past the key limit', () => {
  let now = 0;
  const buckets = new TokenBuckets(1, () => now, 2);
  assert.equal(buckets.take('a').ok, true);
  buckets.refund('a');
  assert.equal(buckets.take('a').ok, true);
  assert.equal(buckets.take('b').ok, true);
  now += 120_000;
  assert.equal(buckets.take('c').ok, true, 'a third key fits once a and b have refilled');
  assert.equal(buckets.take('a').ok, true, 'a pruned key starts full again');
});
