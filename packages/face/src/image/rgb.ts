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
 * `outToSrc` (output pixel centre → source coordinates). Bilinear sampling. A map that shrinks the
 * source by more than 1.5× samples a half-resolution copy instead (see `halfOf`: 2×2 means, so a
 * large face is area-filtered rather than aliased; again while still over 1.5×), so every output
 * pixel is one bilinear sample: the big faces of selfies cost 1 sample per output pixel instead of
 * the 9–16 of the k×k grid this used to average. Maps that shrink by 1.5× or less (LFW's faces)
 * read the image itself, as before. Outside the source is `fill`. (A source under 2 pixels on a
 * side cannot be halved and is sampled once per pixel too; the API refuses images under 80.)
 *
 * Every face crop of every image goes through here (landmarks twice, then each embedder), so the
 * loop is written flat: no per-sample calls or arrays, and a bounds-free path for the samples whose
 * four neighbours are all inside the image (nearly all of them). Its sums are those of the plain
 * one-sample formula, in the same order, so the output is bit-identical to it (tested).
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
  let source = src;
  let map = outToSrc;
  while (scaleOf(map) > 1.5 && source.width >= 2 && source.height >= 2) {
    source = halfOf(source);
    map = [map[0] / 2, map[1] / 2, map[2] / 2, map[3] / 2, map[4] / 2, map[5] / 2];
  }
  const [m0, m1, m2, m3, m4, m5] = map;
  const { data, width, height } = source;
  const row = width * 3;
  // The products along each output column are computed once, not per pixel: the sums below add
  // them in the same order as m0·u + m1·v + m2 − 0.5, so every value is bit-identical.
  const m0u = new Float64Array(outW);
  const m3u = new Float64Array(outW);
  for (let ox = 0; ox < outW; ox++) {
    const u = ox + 0.5;
    m0u[ox] = m0 * u;
    m3u[ox] = m3 * u;
  }
  const px = new Float64Array(3);
  let o = targetOffset;
  for (let oy = 0; oy < outH; oy++) {
    const v = oy + 0.5;
    const m1v = m1 * v;
    const m4v = m4 * v;
    for (let ox = 0; ox < outW; ox++, o += 3) {
      const x = m0u[ox] + m1v + m2 - 0.5;
      const y = m3u[ox] + m4v + m5 - 0.5;
      // Truncation is floor for the non-negative coordinates of the fast path.
      const x0 = x | 0;
      const y0 = y | 0;
      if (x >= 0 && y >= 0 && x0 + 1 < width && y0 + 1 < height) {
        const fx = x - x0;
        const fy = y - y0;
        const gx = 1 - fx;
        const gy = 1 - fy;
        const i00 = y0 * row + x0 * 3;
        const i01 = i00 + row;
        target[o] = (data[i00] * gx + data[i00 + 3] * fx) * gy + (data[i01] * gx + data[i01 + 3] * fx) * fy;
        target[o + 1] = (data[i00 + 1] * gx + data[i00 + 4] * fx) * gy + (data[i01 + 1] * gx + data[i01 + 4] * fx) * fy;
        target[o + 2] = (data[i00 + 2] * gx + data[i00 + 5] * fx) * gy + (data[i01 + 2] * gx + data[i01 + 5] * fx) * fy;
      } else {
        bilinearAtEdge(data, width, height, x, y, fill, px);
        target[o] = px[0];
        target[o + 1] = px[1];
        target[o + 2] = px[2];
      }
    }
  }
  return target;
}

/** How much a map shrinks the source: the square root of its determinant. */
function scaleOf(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/** Half-resolution copies, made once per image (and level) when a warp first needs them. */
const halves = new WeakMap<RgbImage, RgbImage>();

/**
 * The image at half resolution: each pixel the mean of a 2×2 block (an odd last row or column is
 * dropped). Pixel j covers source pixels 2j and 2j + 1, so continuous coordinates simply halve.
 * Cached per image object, so the landmark crops and the chips of one photo share it.
 */
export function halfOf(src: RgbImage): RgbImage {
  const cached = halves.get(src);
  if (cached) return cached;
  const width = src.width >> 1;
  const height = src.height >> 1;
  const data = new Uint8Array(width * height * 3);
  const row = src.width * 3;
  const s = src.data;
  let o = 0;
  for (let y = 0; y < height; y++) {
    let i = 2 * y * row;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++, i++) data[o++] = (s[i] + s[i + 3] + s[i + row] + s[i + row + 3] + 2) >> 2;
      i += 3;
    }
  }
  const half = { data, width, height };
  halves.set(src, half);
  return half;
}

/** Bilinear sample where some of the four neighbours may lie outside the image (they read `fill`). */
function bilinearAtEdge(data: Uint8Array, w: number, h: number, x: number, y: number, fill: number, out: Float64Array): void {
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
