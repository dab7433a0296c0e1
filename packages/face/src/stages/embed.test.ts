import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatUnitVectors, fuseViews, mirroredBatch } from './embed.js';

const round = (v: Float32Array): number[] => [...v].map((x) => Number(x.toFixed(6)));

test('concatUnitVectors keeps unit length and makes the cosine the mean of the parts', () => {
  const a1 = Float32Array.from([1, 0]);
  const b1 = Float32Array.from([0, 1, 0]);
  const a2 = Float32Array.from([0.6, 0.8]);
  const b2 = Float32Array.from([0, 0, 1]);
  const x = concatUnitVectors([a1, b1]);
  const y = concatUnitVectors([a2, b2]);
  assert.equal(x.length, 5);
  assert.equal(Number(x.reduce((s, v) => s + v * v, 0).toFixed(6)), 1);
  const cos = x.reduce((s, v, i) => s + v * y[i], 0);
  assert.equal(Number(cos.toFixed(6)), (0.6 + 0) / 2);
});

test('fuseViews sums the raw views of one face, then normalises', () => {
  // Two faces of dim 2 per view; face 1 is [3,0] plain and [1,4] mirrored.
  const plain = Float32Array.from([9, 9, 3, 0]);
  const mirrored = Float32Array.from([9, 9, 1, 4]);
  assert.deepEqual(round(fuseViews([plain, mirrored], 1, 2)), [0.707107, 0.707107]);
  assert.deepEqual(round(fuseViews([plain], 1, 2)), [1, 0]);
});

test('mirroredBatch flips every crop of the batch left–right', () => {
  // Two 2×2 crops whose pixels (grey, 3 equal channels) count 0..3 and 10..13 row by row.
  const size = 2;
  const crop = (base: number): number[] => [base, base, base, base + 1, base + 1, base + 1, base + 2, base + 2, base + 2, base + 3, base + 3, base + 3];
  const batch = Float32Array.from([...crop(0), ...crop(10)]);
  const flipped = mirroredBatch(batch, size, 2);
  const px = (t: Float32Array, i: number): number[] => [...t.subarray(i * 3, i * 3 + 1)];
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => px(flipped, i)[0]), [1, 0, 3, 2, 11, 10, 13, 12]);
});
