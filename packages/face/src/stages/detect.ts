import { letterbox, tiles, toImageX, toImageY, type Region } from '../image/letterbox.js';
import type { RgbImage } from '../image/rgb.js';
import { nms, type Box } from '../geometry/nms.js';
import type { OnnxModel } from '../runtime/session.js';

/** A face found by a detector, in pixels of the decoded image; score 0..1. */
export interface FaceBox extends Box {
  /** Detector keypoints in pixels when the detector has them (BlazeFace: eyes, nose, mouth, ears). */
  keypoints?: [number, number][];
}

/** Scores below this never leave a detector pass; the caller applies MIN_FACE_CONFIDENCE. */
const CANDIDATE_SCORE = 0.2;
const NMS_IOU = 0.3;

/**
 * A single-shot detector whose ONNX graph decodes its own anchors: outputs `boxes` [N,4]
 * (x1,y1,x2,y2 in 0..1 of its square input), `scores` [N] and optionally `keypoints` [N,K,2].
 */
export class Detector {
  constructor(
    private readonly model: OnnxModel,
    readonly inputSize: number,
  ) {}

  /** One pass over `region` (default the whole image), letterboxed, optionally zoomed out. */
  async detect(img: RgbImage, region: Region = { x: 0, y: 0, width: img.width, height: img.height }, zoomOut = 1): Promise<FaceBox[]> {
    const { tensor, placement } = await letterbox(img, region, this.inputSize, zoomOut);
    const out = await this.model.run(tensor, [1, this.inputSize, this.inputSize, 3]);
    const boxes = out.boxes.data;
    const scores = out.scores.data;
    const kp = out.keypoints;
    const perFace = kp ? kp.data.length / scores.length / 2 : 0;
    const found: FaceBox[] = [];
    for (let i = 0; i < scores.length; i++) {
      if (!(scores[i] >= CANDIDATE_SCORE)) continue;
      const face: FaceBox = {
        x1: clamp(toImageX(placement, boxes[i * 4]), 0, img.width),
        y1: clamp(toImageY(placement, boxes[i * 4 + 1]), 0, img.height),
        x2: clamp(toImageX(placement, boxes[i * 4 + 2]), 0, img.width),
        y2: clamp(toImageY(placement, boxes[i * 4 + 3]), 0, img.height),
        score: scores[i],
      };
      if (face.x2 - face.x1 < 2 || face.y2 - face.y1 < 2) continue;
      if (kp) {
        face.keypoints = [];
        for (let k = 0; k < perFace; k++) {
          const o = (i * perFace + k) * 2;
          face.keypoints.push([toImageX(placement, kp.data[o]), toImageY(placement, kp.data[o + 1])]);
        }
      }
      found.push(face);
    }
    return nms(found, NMS_IOU);
  }
}

export interface DetectionPlan {
  /** Run overlapping tiles when the photo is much bigger than the detector's input. */
  tiling: boolean;
}

/**
 * Album detection, for recall: the whole photo, plus a 2×2 (or 3×3) grid of overlapping tiles when
 * faces could be too small at the detector's input size, plus a zoomed-out pass when nothing was
 * found (a portrait whose face fills the frame).
 */
export async function detectAll(detector: Detector, img: RgbImage, plan: DetectionPlan, minScore: number): Promise<FaceBox[]> {
  const found = await detector.detect(img);
  const longSide = Math.max(img.width, img.height);
  if (plan.tiling && longSide > detector.inputSize * 1.6) {
    const grid = longSide > detector.inputSize * 3.2 ? 3 : 2;
    for (const tile of tiles(img.width, img.height, grid)) found.push(...(await detector.detect(img, tile)));
  }
  if (!found.some((f) => f.score >= minScore)) found.push(...(await detector.detect(img, undefined, 2)));
  return nms(found, NMS_IOU).filter((f) => f.score >= minScore);
}

/**
 * Selfie detection, for speed: the largest face. The cheap detector first (on the frame and on a
 * zoomed-out copy, since selfies fill the frame), the accurate one only when it finds nothing.
 */
export async function detectLargest(fast: Detector | undefined, accurate: Detector, img: RgbImage, minScore: number): Promise<FaceBox[]> {
  const passes: (() => Promise<FaceBox[]>)[] = [() => accurate.detect(img), () => accurate.detect(img, undefined, 2)];
  if (fast) passes.unshift(() => fast.detect(img, undefined, 1.5));
  for (const pass of passes) {
    const found = (await pass()).filter((f) => f.score >= minScore);
    if (found.length > 0) return [largest(found)];
  }
  return [];
}

export function largest<T extends Box>(boxes: readonly T[]): T {
  return boxes.reduce((a, b) => ((b.x2 - b.x1) * (b.y2 - b.y1) > (a.x2 - a.x1) * (a.y2 - a.y1) ? b : a));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
