import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAffine } from '../image/rgb.js';
import { seededRandom } from '@facerec/core';
import { composeAffine, drawJitter, jitterAffine, jitterAffines } from './jitter.js';

test('a draw without rotation, shift or flip on a full-size box is the identity', () => {
  const m = jitterAffine(150, { angle: 0, box: 150, dx: 0, dy: 0, flip: false });
  assert.deepEqual(applyAffine(m, 10, 20).map((v) => Number(v.toFixed(9))), [10, 20]);
});

test('flip mirrors about the chip centre; a shift moves the centre; a smaller box zooms in', () => {
  const flipped = jitterAffine(150, { angle: 0, box: 150, dx: 0, dy: 0, flip: true });
  assert.deepEqual(applyAffine(flipped, 10, 20), [140, 20]);
  const shifted = jitterAffine(150, { angle: 0, box: 144, dx: 3, dy: -2, flip: false });
  const [cx, cy] = applyAffine(shifted, 75, 75);
  assert.ok(Math.abs(cx - 78) < 1e-9 && Math.abs(cy - 73) < 1e-9);
  const [x0] = applyAffine(shifted, 0, 75);
  assert.ok(Math.abs(x0 - (78 - 72)) < 1e-9, `left edge at ${x0}`);
});

test('draws stay within dlib\'s ranges and repeat for the same seed', () => {
  const random = seededRandom(7);
  for (let i = 0; i < 500; i++) {
    const j = drawJitter(150, random);
    assert.ok(Math.abs(j.angle) <= (3 * Math.PI) / 180 + 1e-12);
    assert.ok(j.box >= 144 && j.box <= 144 / 0.97 + 1e-9);
    assert.ok(Math.abs(j.dx) <= 0.02 * 144 && Math.abs(j.dy) <= 0.02 * 144);
  }
  assert.deepEqual(jitterAffines(150, 3), jitterAffines(150, 3));
  assert.notDeepEqual(jitterAffines(150, 3, 1), jitterAffines(150, 3, 2));
});

test('composeAffine applies the inner map first', () => {
  const scale2: [number, number, number, number, number, number] = [2, 0, 0, 0, 2, 0];
  const shift: [number, number, number, number, number, number] = [1, 0, 5, 0, 1, 0];
  assert.deepEqual(applyAffine(composeAffine(shift, scale2), 1, 1), [7, 2]);
  assert.deepEqual(applyAffine(composeAffine(scale2, shift), 1, 1), [12, 2]);
});
