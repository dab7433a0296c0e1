import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAffine } from '../../../face/src/image/rgb.js';
import { estimateSimilarity, type Point } from '../../../face/src/geometry/similarity.js';
import { meanShapeSource, normalizeShape, procrustesMean, symmetrize51, toUnitBox } from './mean-shape.js';
import { IBUG_MIRROR } from '../../../face/src/stages/landmarks.js';

const SQUARE_KITE: Point[] = [[0, 0], [2, 0], [2, 1], [0, 3]];

/** `shape` rotated by `angle`, scaled by `k` and moved by (tx, ty). */
function similar(shape: readonly Point[], angle: number, k: number, tx: number, ty: number): Point[] {
  const c = Math.cos(angle) * k, s = Math.sin(angle) * k;
  return shape.map(([x, y]) => [c * x - s * y + tx, s * x + c * y + ty] as const);
}

/** Largest distance left after the best similarity fit of `shape` onto `target`: 0 = same shape. */
function residual(shape: readonly Point[], target: readonly Point[]): number {
  const t = estimateSimilarity(shape, target);
  return Math.max(...shape.map(([x, y], k) => {
    const [u, v] = applyAffine(t, x, y);
    return Math.hypot(u - target[k][0], v - target[k][1]);
  }));
}

test('normalizeShape centres the shape and gives it RMS radius 1', () => {
  const n = normalizeShape(SQUARE_KITE);
  assert.ok(Math.abs(n.reduce((s, p) => s + p[0], 0)) < 1e-12);
  assert.ok(Math.abs(n.reduce((s, p) => s + p[1], 0)) < 1e-12);
  assert.ok(Math.abs(n.reduce((s, [x, y]) => s + x * x + y * y, 0) / n.length - 1) < 1e-12);
});

test('the Procrustes mean of rotated, scaled, moved copies of one shape is that shape', () => {
  const copies = [similar(SQUARE_KITE, 0.3, 2, 5, -1), similar(SQUARE_KITE, -0.2, 0.5, 0, 7), SQUARE_KITE];
  const { mean, lastChange } = procrustesMean(copies);
  assert.ok(lastChange < 1e-6);
  assert.ok(residual(SQUARE_KITE, mean) < 1e-9);
  assert.ok(Math.abs(mean.reduce((s, [x, y]) => s + x * x + y * y, 0) / mean.length - 1) < 1e-9, 'normalised');
});

test('the Procrustes mean averages away a symmetric perturbation', () => {
  const up: Point[] = SQUARE_KITE.map(([x, y], k) => [x, k === 3 ? y + 0.2 : y]);
  const down: Point[] = SQUARE_KITE.map(([x, y], k) => [x, k === 3 ? y - 0.2 : y]);
  const { mean } = procrustesMean([similar(up, 0.4, 3, 1, 1), similar(down, -0.1, 1, -2, 0)]);
  const kite = normalizeShape(SQUARE_KITE);
  // Much closer to the kite than either perturbed copy (not exact: Procrustes weighs by alignment).
  assert.ok(residual(mean, kite) < 0.2 * residual(normalizeShape(up), kite), `${residual(mean, kite)}`);
});

test('toUnitBox makes the shape one unit wide with its top at zero, keeping the aspect', () => {
  assert.deepEqual(toUnitBox([[10, 20], [14, 20], [12, 26]]), [[0, 0], [1, 0], [0.5, 1.5]]);
});

test('procrustesMean refuses shapes with different point counts', () => {
  assert.throws(() => procrustesMean([SQUARE_KITE, SQUARE_KITE.slice(1)]), /point count/);
});

test('meanShapeSource prints a typed constant', () => {
  assert.equal(meanShapeSource('S', [[0, 0.5]], '// c'), '// c\nexport const S: readonly Point[] = [\n  [0.00000, 0.50000],\n];\n');
});

test('symmetrize51 gives a shape equal to its own mirror, and keeps a symmetric shape', () => {
  const skewed: Point[] = Array.from({ length: 51 }, (_, j) => [(j * 7) % 11 / 10, (j % 5) / 4] as const);
  const sym = symmetrize51(skewed);
  sym.forEach(([x, y], j) => {
    const [mx, my] = sym[IBUG_MIRROR[j + 17] - 17];
    assert.ok(Math.abs(x - (1 - mx)) < 1e-12 && Math.abs(y - my) < 1e-12, `point ${j}`);
  });
  assert.deepEqual(symmetrize51(sym).map(([x, y]) => [x.toFixed(9), y.toFixed(9)]), sym.map(([x, y]) => [x.toFixed(9), y.toFixed(9)]));
  assert.throws(() => symmetrize51(skewed.slice(1)), /51 points/);
});
