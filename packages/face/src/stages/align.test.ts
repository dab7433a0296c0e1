import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../geometry/similarity.js';
import { alignedBatch, alignmentPoints, chipTemplate, jitteredBatch, type ChipGeometry } from './align.js';
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

test('dlib33 at scale 2/3, shiftY 0 puts dlib points where get_face_chip_details(150, 0.25) does', () => {
  const t = chipTemplate({ size: 150, scale: 2 / 3, shiftY: 0, template: 'dlib33' });
  assert.equal(t.length, 33);
  // First point is iBUG 27 (top of the nose bridge), dlib mean (0.490127, 0.203352): (0.25 + m) / 1.5 · 150.
  assert.ok(Math.abs(t[0][0] - (0.25 + 0.490127) * 100) < 1e-9 && Math.abs(t[0][1] - (0.25 + 0.203352) * 100) < 1e-9);
  // Last point is iBUG 64 (inner mouth corner on the image's right).
  assert.ok(Math.abs(t[32][0] - (0.25 + 0.689874) * 100) < 1e-9);
  const shifted = chipTemplate({ size: 150, scale: 2 / 3, shiftY: -0.1, template: 'dlib33' });
  shifted.forEach(([x, y], k) => assert.ok(Math.abs(x - t[k][0]) < 1e-9 && Math.abs(t[k][1] - y - 15) < 1e-9));
});

test('alignmentPoints takes dlib\'s 33 points (27–54 and 60–64) for dlib33', () => {
  const face: Point[] = Array.from({ length: 68 }, (_, k) => [k, 2 * k] as const);
  const picked = alignmentPoints(face, { size: 150, scale: 2 / 3, shiftY: 0, template: 'dlib33' });
  assert.deepEqual(picked.map(([x]) => x), [...face.slice(27, 55), ...face.slice(60, 65)].map(([x]) => x));
  assert.throws(() => alignmentPoints(fivePoints(face), { size: 150, scale: 2 / 3, shiftY: 0, template: 'dlib33' }), /dlib33 cannot align/);
});

test('jitteredBatch: `jitter` views per face, view-major, each a slightly moved copy of the plain chip', () => {
  // A smooth synthetic photo (gradients), so small moves change pixels a little, not wholesale.
  const W = 200;
  const data = new Uint8Array(W * W * 3);
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) data.set([x, y, (x + y) >> 1], (y * W + x) * 3);
  const img = { data, width: W, height: W };
  const faces = [fivePoints(Array.from({ length: 68 }, (_, k) => [60 + (k % 9) * 8, 50 + Math.floor(k / 9) * 12] as const)), [[70, 80], [130, 80], [100, 110], [75, 140], [125, 140]] as Point[]];
  const g: ChipGeometry = { size: 32, scale: 1, shiftY: 0, jitter: 3 };
  const plain = alignedBatch(img, faces, g);
  const jittered = jitteredBatch(img, faces, g);
  const per = 32 * 32 * 3;
  assert.equal(jittered.length, 3 * faces.length * per);
  for (let v = 0; v < 3; v++) {
    for (let i = 0; i < faces.length; i++) {
      const view = jittered.subarray((v * faces.length + i) * per, (v * faces.length + i + 1) * per);
      const own = plain.subarray(i * per, (i + 1) * per);
      const other = plain.subarray((1 - i) * per, (2 - i) * per);
      const dist = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, k) => s + Math.abs(x - b[k]), 0) / a.length;
      // Closer to its own face's chip than to the other face's, but not identical (it moved).
      assert.ok(dist(view, own) > 0 && dist(view, own) < dist(view, other), `view ${v} face ${i}`);
    }
  }
  assert.throws(() => jitteredBatch(img, faces, { ...g, jitter: 0 }), /jitter ≥ 1/);
});
