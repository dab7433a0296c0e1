/** A decoded image: 3 channels (RGB), 8 bits, row-major, no padding. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A 2×3 affine matrix [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = readonly [number, number, number, number, number, number];

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new Error('affine transform is not invertible');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/**
 * Samples `src` into an `outW`×`outH` float32 NHWC tensor (values 0..255) through the affine map
 * `outToSrc` (output pixel centre → source coordinates). Bilinear sampling; when the map shrinks
 * the source by more than 1.5×, each output pixel averages a k×k grid of bilinear samples so a
 * large face is area-filtered rather than aliased. Outside the source is `fill`.
 */
export function warpAffineToTensor(
  src: RgbImage,
  outToSrc: Affine,
  outW: number,
  outH: number,
  target: Float32Array = new Float32Array(outW * outH * 3),
  targetOffset = 0,
  fill = 0,
): Float32Array {
  const scale = Math.sqrt(Math.abs(outToSrc[0] * outToSrc[4] - outToSrc[1] * outToSrc[3]));
  const k = scale > 1.5 ? Math.min(4, Math.ceil(scale)) : 1;
  const { data, width, height } = src;
  const px = [0, 0, 0];
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const u = ox + (sx + 0.5) / k;
          const v = oy + (sy + 0.5) / k;
          const x = outToSrc[0] * u + outToSrc[1] * v + outToSrc[2] - 0.5;
          const y = outToSrc[3] * u + outToSrc[4] * v + outToSrc[5] - 0.5;
          bilinear(data, width, height, x, y, fill, px);
          r += px[0];
          g += px[1];
          b += px[2];
        }
      }
      const o = targetOffset + (oy * outW + ox) * 3;
      const n = k * k;
      target[o] = r / n;
      target[o + 1] = g / n;
      target[o + 2] = b / n;
    }
  }
  return target;
}

function bilinear(data: Uint8Array, w: number, h: number, x: number, y: number, fill: number, out: number[]): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  for (let c = 0; c < 3; c++) {
    const p00 = pixel(data, w, h, x0, y0, c, fill);
    const p10 = pixel(data, w, h, x0 + 1, y0, c, fill);
    const p01 = pixel(data, w, h, x0, y0 + 1, c, fill);
    const p11 = pixel(data, w, h, x0 + 1, y0 + 1, c, fill);
    out[c] = (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy;
  }
}

function pixel(data: Uint8Array, w: number, h: number, x: number, y: number, c: number, fill: number): number {
  if (x < 0 || y < 0 || x >= w || y >= h) return fill;
  return data[(y * w + x) * 3 + c];
}

/** Mirrors an NHWC tensor of one image horizontally (for flip test-time augmentation). */
export function flipTensorHorizontally(t: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(t.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (y * w + (w - 1 - x)) * 3;
      out[d] = t[s];
      out[d + 1] = t[s + 1];
      out[d + 2] = t[s + 2];
    }
  }
  return out;
}
