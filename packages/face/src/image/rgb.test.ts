import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { invertAffine, warpAffineToTensor, type Affine, type RgbImage } from './rgb.js';

/** A deterministic pseudo-random image, so failures reproduce. */
function noiseImage(width: number, height: number, seed = 7): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = s >> 23;
  }
  return { data, width, height };
}

/** The warp written the plainest way (one bilinear sample at a time, bounds checked per read). */
function referenceWarp(src: RgbImage, m: Affine, outW: number, outH: number, fill: number): Float32Array {
  const scale = Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
  const k = scale > 1.5 ? Math.min(4, Math.ceil(scale)) : 1;
  const at = (x: number, y: number, c: number): number =>
    x < 0 || y < 0 || x >= src.width || y >= src.height ? fill : src.data[(y * src.width + x) * 3 + c];
  const out = new Float32Array(outW * outH * 3);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let sy = 0; sy < k; sy++) {
          for (let sx = 0; sx < k; sx++) {
            const u = ox + (sx + 0.5) / k;
            const v = oy + (sy + 0.5) / k;
            const x = m[0] * u + m[1] * v + m[2] - 0.5;
            const y = m[3] * u + m[4] * v + m[5] - 0.5;
            const x0 = Math.floor(x);
            const y0 = Math.floor(y);
            const fx = x - x0;
            const fy = y - y0;
            sum += (at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx) * (1 - fy) + (at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx) * fy;
          }
        }
        out[(oy * outW + ox) * 3 + c] = sum / (k * k);
      }
    }
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('warpAffineToTensor', () => {
  const img = noiseImage(97, 83);
  const cases: [string, Affine][] = [
    ['identity crop', [1, 0, 10, 0, 1, 5]],
    ['enlarging (k = 1)', [0.4, 0, 20, 0, 0.4, 30]],
    ['shrinking 2.5× (k = 3)', [2.5, 0, -3, 0, 2.5, -7]],
    ['shrinking 6× (k capped at 4)', [6, 0, 0, 0, 6, 0]],
    ['rotated and partly outside the image', invertAffine([0.9, 0.35, -20, -0.35, 0.9, 25])],
  ];
  for (const [name, m] of cases) {
    test(`matches the plain bilinear + k×k reference: ${name}`, () => {
      const fast = warpAffineToTensor(img, m, 40, 36, undefined, 0, 17);
      assert.equal(maxAbsDiff(fast, referenceWarp(img, m, 40, 36, 17)), 0);
    });
  }

  test('writes at the target offset and leaves the rest of the batch alone', () => {
    const batch = new Float32Array(2 * 8 * 8 * 3).fill(-1);
    warpAffineToTensor(img, [1, 0, 0, 0, 1, 0], 8, 8, batch, 8 * 8 * 3);
    assert.ok(batch.subarray(0, 8 * 8 * 3).every((v) => v === -1));
    assert.equal(batch[8 * 8 * 3], img.data[0]);
    assert.equal(batch[8 * 8 * 3 + 5], img.data[5]);
  });

  test('samples wholly outside the source are the fill value', () => {
    const out = warpAffineToTensor(img, [1, 0, 500, 0, 1, 500], 4, 4, undefined, 0, 42);
    assert.ok(out.every((v) => v === 42));
  });
});
