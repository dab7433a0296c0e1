import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../geometry/similarity.js';
import { applyAffine } from '../image/rgb.js';
import { boxFromLandmarks, IBUG_MIRROR, levelledCrop, mirrorIndices } from './landmarks.js';

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

test('levelledCrop: the square landmark crop, turned so the eyes are level', () => {
  // A face with level eyes: the levelled crop is the plain square crop of boxFromLandmarks.
  const face: Point[] = Array.from({ length: 68 }, (_, k) => [40 + 30 * Math.sin(k * 0.9), 50 + 35 * Math.cos(k * 0.7)] as const);
  for (let k = 36; k <= 41; k++) face[k] = [30 + (k - 36), 40];
  for (let k = 42; k <= 47; k++) face[k] = [60 + (k - 42), 40];
  const b = boxFromLandmarks(face);
  const side = Math.max(b.x2 - b.x1, b.y2 - b.y1);
  const m = levelledCrop(face, 112);
  const close = (p: readonly number[], q: readonly number[]) => Math.hypot(p[0] - q[0], p[1] - q[1]) < 1e-9;
  assert.ok(close(applyAffine(m, 56, 56), [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2]));
  assert.ok(close([m[0], m[1], m[3], m[4]], [side / 112, 0, 0, side / 112]));
  // The same face turned by 0.4 rad about the origin: the crop turns with it.
  const a = 0.4;
  const turn = ([x, y]: Point): Point => [Math.cos(a) * x - Math.sin(a) * y, Math.sin(a) * x + Math.cos(a) * y];
  const t = levelledCrop(face.map(turn), 112);
  for (const [u, v] of [[0, 0], [56, 56], [112, 30]]) assert.ok(close(applyAffine(t, u, v), turn(applyAffine(m, u, v))), `crop pixel ${u}, ${v}`);
});
