import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAffine, invertAffine } from '../image/rgb.js';
import { estimateSimilarity, type Point } from './similarity.js';

const template: Point[] = [[38.3, 51.7], [73.5, 51.5], [56.0, 71.7], [41.5, 92.4], [70.7, 92.2]];

function transform(points: Point[], angle: number, scale: number, tx: number, ty: number): Point[] {
  const c = Math.cos(angle) * scale, s = Math.sin(angle) * scale;
  return points.map(([x, y]) => [c * x - s * y + tx, s * x + c * y + ty] as const);
}

test('recovers an exact rotation + scale + translation', () => {
  const src = transform(template, 0.4, 2.5, 300, -40);
  const m = estimateSimilarity(src, template);
  for (let i = 0; i < src.length; i++) {
    const [x, y] = applyAffine(m, src[i][0], src[i][1]);
    assert.ok(Math.abs(x - template[i][0]) < 1e-9 && Math.abs(y - template[i][1]) < 1e-9);
  }
  // The inverse takes template points back to the image.
  const back = applyAffine(invertAffine(m), template[2][0], template[2][1]);
  assert.ok(Math.abs(back[0] - src[2][0]) < 1e-9 && Math.abs(back[1] - src[2][1]) < 1e-9);
});

test('is a least-squares fit under noise: the residual is smaller than the noise added', () => {
  const src = transform(template, -0.2, 0.8, 10, 20).map(([x, y], i) => [x + (i % 2 ? 0.5 : -0.5), y + (i % 3 ? 0.3 : -0.6)] as const);
  const m = estimateSimilarity(src, template);
  // No rotation/shear beyond a similarity: a = e and b = -d.
  assert.ok(Math.abs(m[0] - m[4]) < 1e-12 && Math.abs(m[1] + m[3]) < 1e-12);
  const err = src.reduce((s, p, i) => { const [x, y] = applyAffine(m, p[0], p[1]); return s + Math.hypot(x - template[i][0], y - template[i][1]); }, 0) / src.length;
  assert.ok(err < 1.2, `mean residual ${err}`);
});

test('refuses degenerate input', () => {
  assert.throws(() => estimateSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]]), /degenerate/);
  assert.throws(() => estimateSimilarity([[1, 1]], [[0, 0]]), /at least two/);
});
