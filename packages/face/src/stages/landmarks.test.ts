import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../geometry/similarity.js';
import { IBUG_MIRROR, mirrorIndices } from './landmarks.js';

test('IBUG_MIRROR is a permutation that undoes itself', () => {
  assert.deepEqual([...IBUG_MIRROR].sort((a, b) => a - b), Array.from({ length: 68 }, (_, k) => k));
  IBUG_MIRROR.forEach((m, k) => assert.equal(IBUG_MIRROR[m], k, `index ${k}`));
});

test('IBUG_MIRROR swaps left and right features and keeps the midline', () => {
  const swaps: [number, number][] = [[0, 16], [8, 8], [17, 26], [21, 22], [27, 27], [30, 30], [31, 35], [33, 33], [36, 45], [39, 42], [40, 47], [41, 46], [48, 54], [51, 51], [57, 57], [59, 55], [60, 64], [62, 62], [66, 66], [67, 65]];
  for (const [a, b] of swaps) assert.equal(IBUG_MIRROR[a], b, `${a} ↔ ${b}`);
});

test('mirrorIndices renumbers points found on a mirrored face', () => {
  // A face and its mirror about x = 50: mirroring the coordinates back and renumbering gives the face again.
  const face: Point[] = Array.from({ length: 68 }, (_, k) => [10 + k, 100 - k] as const);
  const mirror: Point[] = IBUG_MIRROR.map((k) => [100 - face[k][0], face[k][1]] as const);
  const back = mirrorIndices(mirror.map(([x, y]) => [100 - x, y] as const));
  assert.deepEqual(back, face);
  assert.throws(() => mirrorIndices(face.slice(0, 5)), /68 landmarks/);
});
