import type { Affine } from '../image/rgb.js';

export type Point = readonly [number, number];

/**
 * Least-squares similarity transform (rotation, uniform scale, translation) taking `src` points
 * onto `dst` points (Umeyama's method specialised to 2-D). Returns the affine src → dst.
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) throw new Error('need at least two point pairs of equal count');
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0]; sy += src[i][1];
    dx += dst[i][0]; dy += dst[i][1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  // With centred points, the best similarity is z ↦ c·z in complex form, c = Σ conj(s)·d / Σ |s|².
  let re = 0, im = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const ax = src[i][0] - sx, ay = src[i][1] - sy;
    const bx = dst[i][0] - dx, by = dst[i][1] - dy;
    re += ax * bx + ay * by;
    im += ax * by - ay * bx;
    norm += ax * ax + ay * ay;
  }
  if (norm < 1e-12) throw new Error('source points are degenerate');
  const a = re / norm;
  const b = im / norm;
  // [x', y'] = [[a, -b], [b, a]]·[x, y] + t, with t placing the centroid.
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}
