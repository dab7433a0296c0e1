import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { halfOf, invertAffine, warpAffineToTensor, type Affine, type RgbImage } from './rgb.js';

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
    ['shrinking 1.4× (the image itself, one sample)', [1.4, 0, -3, 0, 1.4, -7]],
    ['rotated and partly outside the image', invertAffine([0.9, 0.35, -20, -0.35, 0.9, 25])],
  ];
  for (const [name, m] of cases) {
    test(`matches the plain bilinear + k×k reference: ${name}`, () => {
      const fast = warpAffineToTensor(img, m, 40, 36, undefined, 0, 17);
      assert.equal(maxAbsDiff(fast, referenceWarp(img, m, 40, 36, 17)), 0);
    });
  }

  const halve = (m: Affine): Affine => [m[0] / 2, m[1] / 2, m[2] / 2, m[3] / 2, m[4] / 2, m[5] / 2];
  test('shrinking 1.8× samples the half-resolution copy at 0.9× instead of the image at k = 2', () => {
    const m: Affine = [1.8, 0, -3, 0, 1.8, -7];
    const fast = warpAffineToTensor(img, m, 40, 36, undefined, 0, 17);
    assert.equal(maxAbsDiff(fast, referenceWarp(halfOf(img), halve(m), 40, 36, 17)), 0);
  });

  test('shrinking 2.5× samples the half-resolution copy at 1.25× (k = 1) instead of the image at k = 3', () => {
    const m: Affine = [2.5, 0, -3, 0, 2.5, -7];
    const fast = warpAffineToTensor(img, m, 40, 36, undefined, 0, 17);
    assert.equal(maxAbsDiff(fast, referenceWarp(halfOf(img), halve(m), 40, 36, 17)), 0);
  });

  test('shrinking 6× halves twice (6 → 3 → 1.5) and samples the quarter-resolution copy', () => {
    const m: Affine = [6, 0, 0, 0, 6, 0];
    const fast = warpAffineToTensor(img, m, 12, 12, undefined, 0, 17);
    assert.equal(maxAbsDiff(fast, referenceWarp(halfOf(halfOf(img)), halve(halve(m)), 12, 12, 17)), 0);
  });

  test('on a smooth image the half-resolution path stays close to direct k×k area sampling', () => {
    const w = 400;
    const h = 300;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.round(127 + 100 * Math.sin(x / 23 + c) * Math.cos(y / 31));
    const smooth = { data, width: w, height: h };
    // Shrinks 2.2× with a slight rotation, wholly inside the image.
    const m: Affine = [2.2, 0.3, 30, -0.3, 2.2, 40];
    const fast = warpAffineToTensor(smooth, m, 112, 112, undefined, 0, 0);
    const direct = referenceWarp(smooth, m, 112, 112, 0);
    let sum = 0;
    for (let i = 0; i < fast.length; i++) sum += Math.abs(fast[i] - direct[i]);
    assert.ok(sum / fast.length < 1, `mean difference ${sum / fast.length} grey levels`);
    assert.ok(maxAbsDiff(fast, direct) < 4);
  });

  test('halfOf averages 2×2 blocks (rounded), drops an odd last row and column, and is cached', () => {
    const small = noiseImage(5, 3);
    const half = halfOf(small);
    assert.equal(half.width, 2);
    assert.equal(half.height, 1);
    const at = (x: number, y: number, c: number) => small.data[(y * 5 + x) * 3 + c];
    for (let x = 0; x < 2; x++) {
      for (let c = 0; c < 3; c++) {
        const mean = (at(2 * x, 0, c) + at(2 * x + 1, 0, c) + at(2 * x, 1, c) + at(2 * x + 1, 1, c)) / 4;
        assert.equal(half.data[x * 3 + c], Math.floor(mean + 0.5));
      }
    }
    assert.equal(halfOf(small), half);
  });

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
