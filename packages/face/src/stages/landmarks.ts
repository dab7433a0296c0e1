import { warpAffineToTensor, type RgbImage } from '../image/rgb.js';
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

  async locate(img: RgbImage, boxes: readonly Box[]): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const s = this.inputSize;
    const batch = new Float32Array(boxes.length * s * s * 3);
    const crops = boxes.map((b, i) => {
      const side = Math.max(b.x2 - b.x1, b.y2 - b.y1);
      const x0 = (b.x1 + b.x2) / 2 - side / 2;
      const y0 = (b.y1 + b.y2) / 2 - side / 2;
      const k = side / s;
      warpAffineToTensor(img, [k, 0, x0, 0, k, y0], s, s, batch, i * s * s * 3);
      return { x0, y0, side };
    });
    const out = await this.model.run(batch, [boxes.length, s, s, 3]);
    const data = out.landmarks.data;
    return crops.map(({ x0, y0, side }, i) => {
      const pts: Point[] = [];
      for (let k = 0; k < 68; k++) {
        const o = (i * 68 + k) * 2;
        pts.push([x0 + data[o] * side, y0 + data[o + 1] * side]);
      }
      return pts;
    });
  }
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
