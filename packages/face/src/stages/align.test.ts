import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../geometry/similarity.js';
import { alignmentPoints, chipTemplate, type ChipGeometry } from './align.js';
import { fivePoints } from './landmarks.js';
import { MEAN_SHAPE_51 } from './mean-shape.js';

const MEAN51: ChipGeometry = { size: 150, scale: 2 / 3, shiftY: 0, template: 'mean51' };

test('the learned mean shape has 51 points in a unit-wide box with its top at 0', () => {
  assert.equal(MEAN_SHAPE_51.length, 51);
  const xs = MEAN_SHAPE_51.map((p) => p[0]);
  const ys = MEAN_SHAPE_51.map((p) => p[1]);
  assert.ok(Math.abs(Math.min(...xs)) < 1e-4 && Math.abs(Math.max(...xs) - 1) < 1e-4);
  assert.ok(Math.abs(Math.min(...ys)) < 1e-4 && Math.max(...ys) < 1.2);
});

test('the mean51 template is the mean shape at scale × size, centred, moved down by shiftY', () => {
  const t = chipTemplate(MEAN51);
  const width = Math.max(...t.map((p) => p[0])) - Math.min(...t.map((p) => p[0]));
  assert.ok(Math.abs(width - 100) < 1e-9, `width ${width}`);
  const midY = (Math.max(...t.map((p) => p[1])) + Math.min(...t.map((p) => p[1]))) / 2;
  assert.ok(Math.abs(midY - 75) < 1e-9);
  const shifted = chipTemplate({ ...MEAN51, shiftY: 0.1 });
  shifted.forEach(([x, y], k) => assert.ok(Math.abs(x - t[k][0]) < 1e-9 && Math.abs(y - t[k][1] - 15) < 1e-9));
});

test('arcface5 stays the default template, so existing geometries keep their crops', () => {
  assert.deepEqual(chipTemplate({ size: 112, scale: 1, shiftY: 0 })[0], [38.2946, 51.6963]);
});

test('alignmentPoints takes iBUG 17–67 for mean51 and the five points for arcface5', () => {
  const face: Point[] = Array.from({ length: 68 }, (_, k) => [k, 2 * k] as const);
  assert.deepEqual(alignmentPoints(face, MEAN51), face.slice(17));
  assert.deepEqual(alignmentPoints(face, { size: 150, scale: 1, shiftY: 0 }), fivePoints(face));
  const five = fivePoints(face);
  assert.equal(alignmentPoints(five, { size: 150, scale: 1, shiftY: 0 }), five);
  assert.throws(() => alignmentPoints(five, MEAN51), /mean51 cannot align a face given by 5 points/);
});
