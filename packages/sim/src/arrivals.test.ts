import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ARRIVALS, parseArrivals } from './arrivals.js';
import { SimInputError } from './simulate.js';

test('parses SECONDS:IMAGES pairs', () => {
  assert.deepEqual(parseArrivals(DEFAULT_ARRIVALS).map((a) => [a.atSeconds, a.images]), [[0, 10000], [1200, 10000], [2400, 10000]]);
  assert.deepEqual(parseArrivals(' 90:5 , 0.5:7 ').map((a) => [a.atSeconds, a.images, a.label]), [[90, 5, 'album 1'], [0.5, 7, 'album 2']]);
});

test('rejects what is not SECONDS:IMAGES', () => {
  for (const bad of ['', '10', '10:', 'a:1', '1:-5', '1:0', '1:2:3']) assert.throws(() => parseArrivals(bad), SimInputError, bad);
});
