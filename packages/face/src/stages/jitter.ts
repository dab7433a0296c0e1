/**
 * Jitter test-time augmentation as dlib describes it for its face descriptor (`jitter_image`,
 * dlib/image_transforms/interpolation.h): each view is the chip re-cropped with a small random
 * rotation (±3°), zoom (object height 0.97–1 of the crop, from a rect 3 px inside the chip), shift
 * (±2 % of the rect) and a left–right flip half the time; the descriptor is the mean over views.
 * Here each view is one affine map from its output pixels to chip pixels, so it can be composed
 * with the chip's own map and sampled from the photo once (no second interpolation).
 */
import type { Affine } from '../image/rgb.js';
import { seededRandom } from '@facerec/core';

const MAX_ROTATION_DEG = 3;
const MIN_OBJECT_HEIGHT = 0.97;
const MAX_OBJECT_HEIGHT = 0.99999;
const TRANSLATE = 0.02;
const INSET_PX = 3;


/** `outer ∘ inner`: apply `inner`, then `outer`. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a, b, c, d, e, f] = outer;
  const [g, h, i, j, k, l] = inner;
  return [a * g + b * j, a * h + b * k, a * i + b * l + c, d * g + e * j, d * h + e * k, d * i + e * l + f];
}

export interface JitterDraw {
  angle: number;
  /** Side of the re-cropped square in chip pixels. */
  box: number;
  dx: number;
  dy: number;
  flip: boolean;
}

export function drawJitter(size: number, random: () => number): JitterDraw {
  const rect = size - 2 * INSET_PX;
  const between = (lo: number, hi: number): number => lo + (hi - lo) * random();
  const dx = between(-TRANSLATE, TRANSLATE) * rect;
  const dy = between(-TRANSLATE, TRANSLATE) * rect;
  const box = rect / between(MIN_OBJECT_HEIGHT, MAX_OBJECT_HEIGHT);
  const angle = (between(-MAX_ROTATION_DEG, MAX_ROTATION_DEG) * Math.PI) / 180;
  return { angle, box, dx, dy, flip: random() > 0.5 };
}

/**
 * Output pixel → chip pixel for one draw: the `box`-sided square centred at the chip's centre
 * plus (dx, dy), rotated by `angle`, filling the `size`² output; mirrored when `flip`.
 */
export function jitterAffine(size: number, j: JitterDraw): Affine {
  const s = j.box / size;
  const cos = Math.cos(j.angle) * s;
  const sin = Math.sin(j.angle) * s;
  const c = size / 2;
  // p ↦ centre + shift + s·R(angle)·(p − c)
  const crop: Affine = [cos, -sin, c + j.dx - cos * c + sin * c, sin, cos, c + j.dy - sin * c - cos * c];
  const mirror: Affine = j.flip ? [-1, 0, size, 0, 1, 0] : [1, 0, 0, 0, 1, 0];
  return composeAffine(crop, mirror);
}

/**
 * The seed of the engine's jitters: every face gets the same `n` views, so an image always gives
 * the same vector (a fixed test-time augmentation rather than a random one).
 */
export const JITTER_SEED = 1;

/** `n` jitter maps, fixed by `seed`. */
export function jitterAffines(size: number, n: number, seed = JITTER_SEED): Affine[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => jitterAffine(size, drawJitter(size, random)));
}
