import { applyAffine, invertAffine, warpAffineToTensor, type Affine, type RgbImage } from '../image/rgb.js';
import { estimateSimilarity, type Point } from '../geometry/similarity.js';
import type { OnnxModel } from '../runtime/session.js';

/**
 * MediaPipe FaceMesh (models catalog `facemesh`): 468 face points from a square 192² crop, RGB in
 * 0..1. The crop is the face's region as MediaPipe's own tracking makes it: the bounding box of
 * the face's points in a frame turned so the eyes are level, enlarged 1.5× and squared. Outputs
 * `mesh` [N, 1404] (x, y, z per point, x/y in crop pixels) and `faceflag` [N, 1] (face probability).
 */
export const MESH_POINT_COUNT = 468;

/** A square crop turned by `angle` (radians, image axes: the crop's x axis points along (cos, sin)). */
export interface MeshCrop {
  cx: number;
  cy: number;
  side: number;
  angle: number;
}

export interface MeshFace {
  /** 468 points in image pixels. */
  points: Point[];
  /** faceflag: probability that the crop holds a face. */
  score: number;
  crop: MeshCrop;
}

/**
 * Mesh indices (MediaPipe's canonical face topology). "Image left" is the subject's right side in
 * an unmirrored photo. Eye rings: the eyelid contour (upper and lower lid, corners included).
 */
export const MESH_INDEX = {
  eyeRingImageLeft: [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7],
  eyeRingImageRight: [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249],
  /** Outer eye corners: MediaPipe levels the crop on these two. */
  outerEyeCorners: [33, 263],
  innerEyeCorners: [133, 362],
  noseTip: 1,
  mouthCorners: [61, 291],
} as const;

/** Crop pixel (u, v) → image coordinates, for a crop of `size` pixels. */
export function meshCropAffine(crop: MeshCrop, size: number): Affine {
  const k = crop.side / size;
  const c = Math.cos(crop.angle) * k;
  const s = Math.sin(crop.angle) * k;
  const h = size / 2;
  return [c, -s, crop.cx - c * h + s * h, s, c, crop.cy - s * h - c * h];
}

/**
 * MediaPipe's region for a face given by points: rotation from the line between `eyes`, the
 * points' bounding box in that rotated frame (its top moved up by `foreheadLift` × the box height,
 * for point sets that stop at the brows), then squared on the long side and enlarged by `scale`.
 */
export function cropAround(points: readonly Point[], eyes: readonly [Point, Point], scale: number, foreheadLift = 0): MeshCrop {
  const angle = Math.atan2(eyes[1][1] - eyes[0][1], eyes[1][0] - eyes[0][0]);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  let u1 = Infinity, v1 = Infinity, u2 = -Infinity, v2 = -Infinity;
  for (const [x, y] of points) {
    const u = c * x + s * y;
    const v = -s * x + c * y;
    u1 = Math.min(u1, u); u2 = Math.max(u2, u);
    v1 = Math.min(v1, v); v2 = Math.max(v2, v);
  }
  v1 -= foreheadLift * (v2 - v1);
  const [mu, mv] = [(u1 + u2) / 2, (v1 + v2) / 2];
  return { cx: c * mu - s * mv, cy: s * mu + c * mv, side: Math.max(u2 - u1, v2 - v1) * scale, angle };
}

function mean(points: readonly Point[], indices: readonly number[]): Point {
  let x = 0, y = 0;
  for (const i of indices) { x += points[i][0]; y += points[i][1]; }
  return [x / indices.length, y / indices.length];
}

/** The crop for the next pass: MediaPipe's tracking region from a mesh (eyes levelled on the outer corners, ×1.5). */
export function cropFromMesh(mesh: readonly Point[], scale = 1.5): MeshCrop {
  const [a, b] = MESH_INDEX.outerEyeCorners;
  return cropAround(mesh, [mesh[a], mesh[b]], scale);
}

/**
 * The crop for a face known by its 68 iBUG points: levelled on the eye centres; the 68 points
 * stop at the brows, so the box is lifted by 30 % of its height for the forehead the mesh covers.
 */
export function cropFrom68(points: readonly Point[], scale = 1.5): MeshCrop {
  const eyes: [Point, Point] = [mean(points, [36, 37, 38, 39, 40, 41]), mean(points, [42, 43, 44, 45, 46, 47])];
  return cropAround(points, eyes, scale, 0.3);
}

/** How the eye centres are read off the mesh: the mean of the eyelid ring, or of the two corners. */
export type MeshEyes = 'ring' | 'corners';

/**
 * The five alignment points from a mesh, in image order as `fivePoints` gives them from 68:
 * eye on the image's left, eye on its right, nose tip, mouth corner left, mouth corner right.
 */
export function meshFivePoints(mesh: readonly Point[], eyes: MeshEyes = 'ring'): Point[] {
  if (mesh.length !== MESH_POINT_COUNT) throw new Error(`expected ${MESH_POINT_COUNT} mesh points, got ${mesh.length}`);
  const [eyeL, eyeR] = eyes === 'ring'
    ? [mean(mesh, MESH_INDEX.eyeRingImageLeft), mean(mesh, MESH_INDEX.eyeRingImageRight)]
    : [mean(mesh, [MESH_INDEX.outerEyeCorners[0], MESH_INDEX.innerEyeCorners[0]]), mean(mesh, [MESH_INDEX.outerEyeCorners[1], MESH_INDEX.innerEyeCorners[1]])];
  const [mouthL, mouthR] = MESH_INDEX.mouthCorners;
  return [eyeL, eyeR, mesh[MESH_INDEX.noseTip], mesh[mouthL], mesh[mouthR]];
}

/** Face outline (forehead, temples, jaw): moves with pose, hair and the box, not the face's own shape. */
const SILHOUETTE = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];
/** Every lip contour (outer, inner and the two between): moves with expression. */
const LIPS = [
  185, 40, 39, 37, 0, 267, 269, 270, 409, 61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291,
  191, 80, 81, 82, 13, 312, 311, 310, 415, 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308,
  76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408,
  62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12, 268, 271, 272, 407,
];

/** Which mesh points a many-point fit uses: all, all but the outline, or also without the lips. */
export type MeshSubset = 'all' | 'inner' | 'rigid';

export function meshSubset(subset: MeshSubset): number[] {
  const drop = new Set(subset === 'all' ? [] : subset === 'inner' ? SILHOUETTE : [...SILHOUETTE, ...LIPS]);
  return Array.from({ length: MESH_POINT_COUNT }, (_, k) => k).filter((k) => !drop.has(k));
}

/**
 * Five points that carry a many-point fit: the mesh's `subset` points are fitted onto the same
 * points of `meanMesh` by a least-squares similarity, and the mean mesh's own five points are
 * mapped back into the image through it. A five-point alignment of the result is then exactly
 * the many-point fit (five points that are a similarity image of the template's are fitted
 * exactly), so the chip geometry and the rest of the pipeline stay five-point.
 */
export function meshFitFivePoints(mesh: readonly Point[], meanMesh: readonly Point[], subset: readonly number[]): Point[] {
  if (mesh.length !== MESH_POINT_COUNT || meanMesh.length !== MESH_POINT_COUNT) throw new Error(`expected ${MESH_POINT_COUNT} mesh points`);
  const toMean = estimateSimilarity(subset.map((k) => mesh[k]), subset.map((k) => meanMesh[k]));
  const back = invertAffine(toMean);
  return meshFivePoints(meanMesh).map(([x, y]) => applyAffine(back, x, y));
}

/**
 * Blends two five-point sets point by point: weight `w` for `a` (the mesh's) and 1 − w for `b`;
 * `eyesOnly` blends the eyes and takes the rest from `a`.
 */
export function blendFivePoints(a: readonly Point[], b: readonly Point[], w: number, eyesOnly = false): Point[] {
  return a.map(([x, y], k): Point => (eyesOnly && k >= 2 ? [x, y] : [w * x + (1 - w) * b[k][0], w * y + (1 - w) * b[k][1]]));
}

export class FaceMeshModel {
  constructor(
    private readonly model: OnnxModel,
    readonly inputSize = 192,
  ) {}

  /** One mesh per crop, in image pixels. */
  async locate(img: RgbImage, crops: readonly MeshCrop[]): Promise<MeshFace[]> {
    if (crops.length === 0) return [];
    const s = this.inputSize;
    const per = s * s * 3;
    const batch = new Float32Array(crops.length * per);
    const maps = crops.map((crop, i) => {
      const m = meshCropAffine(crop, s);
      warpAffineToTensor(img, m, s, s, batch, i * per);
      return m;
    });
    for (let i = 0; i < batch.length; i++) batch[i] /= 255;
    const out = await this.model.run(batch, [crops.length, s, s, 3]);
    const mesh = out.mesh.data;
    const flag = out.faceflag.data;
    return crops.map((crop, i) => {
      const points: Point[] = [];
      for (let k = 0; k < MESH_POINT_COUNT; k++) {
        const o = (i * MESH_POINT_COUNT + k) * 3;
        points.push(applyAffine(maps[i], mesh[o], mesh[o + 1]));
      }
      return { points, score: flag[i], crop };
    });
  }

  /** `passes` runs: the first on the crop from each face's 68 points, each next on the crop its mesh implies. */
  async track(img: RgbImage, faces68: readonly (readonly Point[])[], passes = 2, firstScale = 1.5): Promise<MeshFace[]> {
    let crops = faces68.map((p) => cropFrom68(p, firstScale));
    let result: MeshFace[] = [];
    for (let pass = 0; pass < passes; pass++) {
      result = await this.locate(img, crops);
      crops = result.map((m) => cropFromMesh(m.points));
    }
    return result;
  }
}
