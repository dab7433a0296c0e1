import { applyAffine, warpAffineToTensor, type Affine, type RgbImage } from '../image/rgb.js';
import type { Point } from '../geometry/similarity.js';
import type { Box } from '../geometry/nms.js';
import type { OnnxModel } from '../runtime/session.js';

/**
 * The 68-point landmark model (iBUG order) on square face crops. Its input is the detection box
 * padded to a square, as the model was trained; output `landmarks` [N,68,2] in 0..1 of the crop.
 */
export class LandmarkModel {
  constructor(
    private readonly model: OnnxModel,
    readonly inputSize = 112,
  ) {}

  /**
   * 68 points per box. With `flip`, each crop is also run mirrored and the two answers are
   * averaged (the mirrored points mapped back and renumbered left↔right), which cancels part of
   * the model's own left/right bias and noise.
   */
  async locate(img: RgbImage, boxes: readonly Box[], flip = false): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const s = this.inputSize;
    const views = flip ? 2 : 1;
    const n = boxes.length * views;
    const batch = new Float32Array(n * s * s * 3);
    const crops = boxes.map((b) => {
      const side = Math.max(b.x2 - b.x1, b.y2 - b.y1);
      return { x0: (b.x1 + b.x2) / 2 - side / 2, y0: (b.y1 + b.y2) / 2 - side / 2, side };
    });
    crops.forEach(({ x0, y0, side }, i) => {
      const k = side / s;
      warpAffineToTensor(img, [k, 0, x0, 0, k, y0], s, s, batch, i * s * s * 3);
      // The mirror crop reads the same square right to left: crop u ↦ image x0 + side − k·u.
      if (flip) warpAffineToTensor(img, [-k, 0, x0 + side, 0, k, y0], s, s, batch, (boxes.length + i) * s * s * 3);
    });
    const out = await this.model.run(batch, [n, s, s, 3]);
    const data = out.landmarks.data;
    return crops.map(({ x0, y0, side }, i) => {
      const plain = cropPoints(data, i, (u) => x0 + u * side, (v) => y0 + v * side);
      if (!flip) return plain;
      const mirrored = mirrorIndices(cropPoints(data, boxes.length + i, (u) => x0 + side - u * side, (v) => y0 + v * side));
      return plain.map(([x, y], k): Point => [(x + mirrored[k][0]) / 2, (y + mirrored[k][1]) / 2]);
    });
  }

  /** 68 points per face found on the levelled crop of its previous points (levelledCrop). */
  async locateLevelled(img: RgbImage, previous: readonly (readonly Point[])[]): Promise<Point[][]> {
    if (previous.length === 0) return [];
    const s = this.inputSize;
    const batch = new Float32Array(previous.length * s * s * 3);
    const maps = previous.map((p, i) => {
      const m = levelledCrop(p, s);
      warpAffineToTensor(img, m, s, s, batch, i * s * s * 3);
      return m;
    });
    const out = await this.model.run(batch, [previous.length, s, s, 3]);
    const data = out.landmarks.data;
    return maps.map((m, i) => {
      const pts: Point[] = [];
      for (let k = 0; k < 68; k++) {
        const o = (i * 68 + k) * 2;
        pts.push(applyAffine(m, data[o] * s, data[o + 1] * s));
      }
      return pts;
    });
  }
}

/**
 * The pipeline's square landmark crop (boxFromLandmarks, squared), but turned so the eyes of the
 * previous points are level: the model then sees every face upright. Crop pixel (u, v) of a
 * `size`² input → image coordinates.
 */
export function levelledCrop(points: readonly Point[], size: number): Affine {
  const [eyeL, eyeR] = fivePoints(points);
  const angle = Math.atan2(eyeR[1] - eyeL[1], eyeR[0] - eyeL[0]);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  // The box in the turned frame (u along the eye line, v down the face), padded as boxFromLandmarks.
  const turned = points.map(([x, y]): Point => [c * x + s * y, -s * x + c * y]);
  const b = boxFromLandmarks(turned);
  const side = Math.max(b.x2 - b.x1, b.y2 - b.y1);
  const [mu, mv] = [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];
  const k = side / size;
  const h = size / 2;
  // Image point = R·(mu + k(u − h), mv + k(v − h)), R turning the frame back.
  const [cx, cy] = [c * mu - s * mv, s * mu + c * mv];
  return [c * k, -s * k, cx - c * k * h + s * k * h, s * k, c * k, cy - s * k * h - c * k * h];
}

/** Crop `i`'s 68 points from the model output (0..1 of the crop), mapped to image pixels. */
function cropPoints(data: Float32Array, i: number, toX: (u: number) => number, toY: (v: number) => number): Point[] {
  const pts: Point[] = [];
  for (let k = 0; k < 68; k++) {
    const o = (i * 68 + k) * 2;
    pts.push([toX(data[o]), toY(data[o + 1])]);
  }
  return pts;
}

/**
 * iBUG 68-point index of each point's mirror image (left eye corner ↔ right eye corner, …); points
 * on the symmetry axis (nose bridge, lip centres) map to themselves.
 */
export const IBUG_MIRROR: readonly number[] = (() => {
  const pairs: [number, number][] = [];
  const run = (a: number, b: number, len: number): void => {
    for (let k = 0; k < len; k++) pairs.push([a + k, b - k]);
  };
  run(0, 16, 8); // jaw
  run(17, 26, 5); // brows
  run(31, 35, 2); // nostrils
  run(36, 45, 4); // eye corners and upper lids
  run(40, 47, 2); // lower lids
  run(48, 54, 3); // outer lips, upper
  run(55, 59, 2); // outer lips, lower
  run(60, 64, 2); // inner lips, upper
  pairs.push([65, 67]);
  const map = Array.from({ length: 68 }, (_, k) => k);
  for (const [a, b] of pairs) [map[a], map[b]] = [b, a];
  return map;
})();

/** Renumbers points found on a mirrored face so each index names the same facial point again. */
export function mirrorIndices(points: readonly Point[]): Point[] {
  if (points.length !== 68) throw new Error(`expected 68 landmarks, got ${points.length}`);
  return IBUG_MIRROR.map((k) => points[k]);
}

/** The box a face's landmarks imply, padded like a detector's box (brows to chin, ear to ear). */
export function boxFromLandmarks(points: readonly Point[]): Box {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const [x, y] of points) {
    x1 = Math.min(x1, x); y1 = Math.min(y1, y);
    x2 = Math.max(x2, x); y2 = Math.max(y2, y);
  }
  const w = x2 - x1;
  const h = y2 - y1;
  // Landmarks stop at the brows: extend upwards for the forehead, a little on the other sides.
  return { x1: x1 - 0.1 * w, x2: x2 + 0.1 * w, y1: y1 - 0.3 * h, y2: y2 + 0.05 * h, score: 1 };
}

function mean(points: readonly Point[], from: number, to: number): Point {
  let x = 0, y = 0;
  for (let i = from; i <= to; i++) { x += points[i][0]; y += points[i][1]; }
  const n = to - from + 1;
  return [x / n, y / n];
}

/**
 * The five points Rekognition reports and alignment uses, from 68 iBUG points, in image order:
 * eye on the image's left, eye on its right, nose tip, mouth corner left, mouth corner right.
 */
export function fivePoints(points: readonly Point[]): Point[] {
  return [mean(points, 36, 41), mean(points, 42, 47), points[30], points[48], points[54]];
}
