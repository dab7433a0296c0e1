import { invertAffine, warpAffineToTensor, type RgbImage } from '../image/rgb.js';
import { estimateSimilarity, type Point } from '../geometry/similarity.js';

/**
 * ArcFace's canonical positions of the five points (eyes, nose tip, mouth corners) in its 112×112
 * crop — a widely used reference geometry that we scale to each embedder's input.
 */
const ARCFACE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

export interface ChipGeometry {
  /** Side of the square crop the embedder takes. */
  size: number;
  /** Face size relative to ArcFace's framing (<1 = more margin around the face). */
  scale: number;
  /** Vertical shift of the face as a fraction of the crop (positive = face lower). */
  shiftY: number;
}

export function chipTemplate(g: ChipGeometry): Point[] {
  const k = (g.scale * g.size) / 112;
  return ARCFACE_112.map(([x, y]) => [(x - 56) * k + g.size / 2, (y - 56) * k + g.size / 2 + g.shiftY * g.size] as const);
}

/**
 * Writes aligned face crops for `faces` (five points each) into one NHWC batch: a similarity
 * transform maps each face's points onto the template, and the crop is sampled through its inverse.
 */
export function alignedBatch(img: RgbImage, faces: readonly (readonly Point[])[], g: ChipGeometry): Float32Array {
  const template = chipTemplate(g);
  const per = g.size * g.size * 3;
  const batch = new Float32Array(faces.length * per);
  faces.forEach((points, i) => {
    const toChip = estimateSimilarity(points, template);
    warpAffineToTensor(img, invertAffine(toChip), g.size, g.size, batch, i * per);
  });
  return batch;
}
