import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mapConcurrent } from './pool.js';

const tick = (n: number): Promise<void> => new Promise((r) => setTimeout(r, n));

describe('mapConcurrent', () => {
  test('keeps input order and never exceeds the concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3, 0], 3, async (x) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick(x);
      inFlight--;
      return x * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
    assert.equal(maxInFlight, 3);
  });

  test('the first failure stops new work and is rethrown', async () => {
    const started: number[] = [];
    await assert.rejects(
      mapConcurrent([0, 1, 2, 3, 4], 1, async (x) => {
        started.push(x);
        if (x === 1) throw new Error('boom');
        return x;
      }),
      /boom/,
    );
    assert.deepEqual(started, [0, 1]);
  });

  test('rejects a bad concurrency and handles no items', async () => {
    await assert.rejects(mapConcurrent([1], 0, async (x) => x), /concurrency must be a positive integer/);
    assert.deepEqual(await mapConcurrent([], 2, async (x) => x), []);
  });
});
