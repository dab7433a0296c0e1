import { invertAffine, warpAffineToTensor, type Affine, type RgbImage } from '../image/rgb.js';
import { estimateSimilarity, type Point } from '../geometry/similarity.js';
import { composeAffine, jitterAffines } from './jitter.js';
import { fivePoints } from './landmarks.js';
import { DLIB_CHIP_POINTS, DLIB_MEAN_SHAPE_51, MEAN_SHAPE_51 } from './mean-shape.js';

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

/**
 * Which points a face is fitted on: `arcface5` the five points onto ArcFace's template;
 * `mean51` the 51 non-jaw iBUG points (17–67) onto their learned mean shape, as dlib's own chips
 * are made (the jaw line moves with pose and expression, so it would only add noise);
 * `dlib33` exactly dlib's own chip: its 33 points (nose, eyes, upper lip; stages/mean-shape.ts
 * DLIB_CHIP_POINTS) onto dlib's mean shape, at scale 1 / (1 + 2·padding) (dlib's padding 0.25 is
 * scale 2/3, shiftY 0).
 */
export type AlignTemplate = 'arcface5' | 'mean51' | 'dlib33';

export interface ChipGeometry {
  /** Side of the square crop the embedder takes. */
  size: number;
  /**
   * Face size in the crop. arcface5: relative to ArcFace's framing (<1 = more margin). mean51: the
   * mean shape's width (outer brow to outer brow) as a fraction of the crop (dlib's padding 0.25
   * is 1 / 1.5 ≈ 0.67). dlib33: dlib's unit box as a fraction of the crop (2/3 = padding 0.25).
   */
  scale: number;
  /** Vertical shift of the face as a fraction of the crop (positive = face lower). */
  shiftY: number;
  /** Default `arcface5`. */
  template?: AlignTemplate;
  /**
   * Embed this many dlib-style jittered views of the chip and sum them (stages/jitter.ts) instead
   * of the chip alone. Default none.
   */
  jitter?: number;
}

export function chipTemplate(g: ChipGeometry): Point[] {
  const template = g.template ?? 'arcface5';
  if (template === 'mean51') return placeUnitShape(MEAN_SHAPE_51, g);
  if (template === 'dlib33') return placeDlibShape(g);
  const k = (g.scale * g.size) / 112;
  return ARCFACE_112.map(([x, y]) => [(x - 56) * k + g.size / 2, (y - 56) * k + g.size / 2 + g.shiftY * g.size] as const);
}

/** A shape given in a unit-wide box, centred in the crop at `scale` of its side, moved by shiftY. */
function placeUnitShape(shape: readonly Point[], g: ChipGeometry): Point[] {
  let top = Infinity, bottom = -Infinity;
  for (const [, y] of shape) { top = Math.min(top, y); bottom = Math.max(bottom, y); }
  const k = g.scale * g.size;
  const cy = (top + bottom) / 2;
  return shape.map(([x, y]) => [(x - 0.5) * k + g.size / 2, (y - cy) * k + g.size / 2 + g.shiftY * g.size] as const);
}

/**
 * dlib's layout: its unit box (not the shape's own extent) centred in the crop at `scale` of the
 * side, so scale 1 / (1 + 2·padding) and shiftY 0 give get_face_chip_details' points exactly.
 */
function placeDlibShape(g: ChipGeometry): Point[] {
  const k = g.scale * g.size;
  return DLIB_CHIP_POINTS.map((i) => {
    const [x, y] = DLIB_MEAN_SHAPE_51[i - 17];
    return [(x - 0.5) * k + g.size / 2, (y - 0.5) * k + g.size / 2 + g.shiftY * g.size] as const;
  });
}

/**
 * The points of one face that the geometry's template fits: faces come as 68 iBUG points (or as
 * five points, which only `arcface5` can use).
 */
export function alignmentPoints(points: readonly Point[], g: ChipGeometry): readonly Point[] {
  const template = g.template ?? 'arcface5';
  if (points.length === 68) {
    if (template === 'mean51') return points.slice(17);
    if (template === 'dlib33') return DLIB_CHIP_POINTS.map((i) => points[i]);
    return fivePoints(points);
  }
  if (points.length === 5 && template === 'arcface5') return points;
  throw new Error(`template ${template} cannot align a face given by ${points.length} points`);
}

/**
 * Writes aligned face crops for `faces` (68 or five points each) into one NHWC batch: a
 * least-squares similarity transform maps each face's points onto the template, and the crop is
 * sampled through its inverse.
 */
export function alignedBatch(img: RgbImage, faces: readonly (readonly Point[])[], g: ChipGeometry): Float32Array {
  return viewBatch(img, faces, g, [IDENTITY]);
}

const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/**
 * The `g.jitter` jittered views of every face, view-major (view v of face i at v·n + i), each
 * sampled from the photo in one step (jitter map composed with the chip's map).
 */
export function jitteredBatch(img: RgbImage, faces: readonly (readonly Point[])[], g: ChipGeometry): Float32Array {
  if (!g.jitter || g.jitter < 1) throw new Error('jitteredBatch needs a chip geometry with jitter ≥ 1');
  return viewBatch(img, faces, g, jitterAffines(g.size, g.jitter));
}

function viewBatch(img: RgbImage, faces: readonly (readonly Point[])[], g: ChipGeometry, views: readonly Affine[]): Float32Array {
  const template = chipTemplate(g);
  const per = g.size * g.size * 3;
  const n = faces.length;
  const batch = new Float32Array(views.length * n * per);
  faces.forEach((points, i) => {
    const chipToImage = invertAffine(estimateSimilarity(alignmentPoints(points, g), template));
    views.forEach((view, v) => warpAffineToTensor(img, composeAffine(chipToImage, view), g.size, g.size, batch, (v * n + i) * per));
  });
  return batch;
}
