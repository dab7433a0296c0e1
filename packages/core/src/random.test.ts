import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from './random.js';

test('the same seed gives the same sequence, another seed another, all in [0, 1)', () => {
  const take = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
  assert.deepEqual(take(42), take(42));
  assert.notDeepEqual(take(42), take(43));
  const values = take(7);
  assert.ok(values.every((v) => v >= 0 && v < 1));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});
