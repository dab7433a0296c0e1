/**
 * FaceMesh landmarks for alignment studies: the mesh is found on the crop the face's 68 points
 * imply (stages/facemesh.ts), cached per recipe, and read off as the five ArcFace points in one of
 * several ways (`--mesh-points`), so each mapping re-embeds without re-running the mesh.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeImage, type EngineConfig } from '@facerec/face';
import { OnnxModel } from '../../../face/src/runtime/session.js';
import { prepareModels } from '../../../models/src/catalog.js';
import { blendFivePoints, FaceMeshModel, meshFitFivePoints, meshFivePoints, meshSubset, type MeshEyes, type MeshSubset } from '../../../face/src/stages/facemesh.js';
import { fivePoints } from '../../../face/src/stages/landmarks.js';
import type { Point } from '../../../face/src/geometry/similarity.js';
import { InvalidInputError } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import type { FivePoints, PointsByImage } from './points.js';

/** `passes` mesh runs, the first on the 68-point crop enlarged `firstScale`× (MediaPipe: 1.5). */
export interface MeshRecipe {
  passes: number;
  firstScale: number;
}

/** `m2` = two passes, `m1s1.7` = one pass on the 68-point crop enlarged 1.7×. */
export function parseMeshRecipe(text: string): MeshRecipe {
  const m = /^m([1-4])(?:s(\d+(?:\.\d+)?))?$/.exec(text);
  if (m === null) throw new InvalidInputError(`mesh recipe must look like m2 or m1s1.7, got "${text}"`);
  const firstScale = m[2] === undefined ? 1.5 : Number(m[2]);
  if (!(firstScale >= 1 && firstScale <= 3)) throw new InvalidInputError(`mesh crop scale must be within 1..3, got ${m[2]}`);
  return { passes: Number(m[1]), firstScale };
}

/**
 * How five points are read off a mesh (and the image's 68 points):
 * `ring` / `corners`: the mesh alone (eye centre = eyelid ring mean / mean of the two corners);
 * `eyesW` (e.g. `eyes0.5`): eyes blended, weight W on the mesh's ring eyes, nose and mouth from the mesh;
 * `allW` (e.g. `all0.5`): all five points blended the same way;
 * `eyes68W` (e.g. `eyes68_0.5`): eyes blended, nose and mouth from the 68 points;
 * `fit-all` / `fit-inner` / `fit-rigid`: a many-point fit of the mesh (all points, without the
 * outline, without outline and lips) onto the mean mesh learned from the same images
 * (stages/facemesh.ts meshFitFivePoints).
 */
export type MeshPointsMode =
  | { kind: 'mesh'; eyes: MeshEyes }
  | { kind: 'blend'; weight: number; eyesOnly: boolean; rest: 'mesh' | '68' }
  | { kind: 'fit'; subset: MeshSubset };

export function parseMeshPoints(text: string): MeshPointsMode {
  if (text === 'ring' || text === 'corners') return { kind: 'mesh', eyes: text };
  if (text === 'fit-all' || text === 'fit-inner' || text === 'fit-rigid') return { kind: 'fit', subset: text.slice(4) as MeshSubset };
  const m = /^(eyes|all|eyes68_)(\d(?:\.\d+)?)$/.exec(text);
  const weight = m === null ? NaN : Number(m[2]);
  if (m === null || !(weight >= 0 && weight <= 1)) throw new InvalidInputError(`--mesh-points must be ring, corners, eyesW, allW, eyes68_W (W in 0..1) or fit-all|inner|rigid, got "${text}"`);
  return { kind: 'blend', weight, eyesOnly: m[1] !== 'all', rest: m[1] === 'eyes68_' ? '68' : 'mesh' };
}

/** Five points for one face from its mesh (468) and its 68 iBUG points, per the mode (`fit` needs the mean mesh). */
export function meshToFive(mesh: readonly Point[], points68: readonly Point[], mode: MeshPointsMode, meanMesh?: readonly Point[]): FivePoints {
  const out = (() => {
    if (mode.kind === 'mesh') return meshFivePoints(mesh, mode.eyes);
    if (mode.kind === 'fit') {
      if (meanMesh === undefined) throw new InvalidInputError('a fit needs the mean mesh');
      return meshFitFivePoints(mesh, meanMesh, meshSubset(mode.subset));
    }
    const fromMesh = meshFivePoints(mesh, 'ring');
    const from68 = fivePoints(points68);
    if (mode.rest === '68') {
      const eyes = blendFivePoints(fromMesh, from68, mode.weight, false).slice(0, 2);
      return [...eyes, ...from68.slice(2)];
    }
    return blendFivePoints(fromMesh, from68, mode.weight, mode.eyesOnly);
  })();
  return out.map(([x, y]) => [x, y]);
}

/** Mesh per image (points rounded to 0.01 px) and its face score. */
export interface StoredMesh {
  points: [number, number][];
  score: number;
}

/** Meshes for every image with 68 points, one image at a time on this thread. */
export async function collectMeshes(config: EngineConfig, imagesDir: string, points68: PointsByImage, recipe: MeshRecipe, onProgress?: ProgressCallback): Promise<{ meshes: Map<string, StoredMesh | null>; msPerFace: number }> {
  // No model set needs facemesh, so `facerec models convert` leaves it out: convert it here if missing.
  await prepareModels(['facemesh'], config.modelCacheDir);
  const onnx = await OnnxModel.load(config.modelCacheDir, 'facemesh');
  const model = new FaceMeshModel(onnx);
  const out = new Map<string, StoredMesh | null>();
  let done = 0;
  let cpuUs = 0;
  let faces = 0;
  try {
    for (const [rel, points] of points68) {
      if (points === null) {
        out.set(rel, null);
      } else {
        const img = await decodeImage(await readFile(resolve(imagesDir, rel)), { maxPixels: config.maxImagePixels, maxSide: config.decodeMaxSide, allowExtraFormats: config.extraFormats });
        const before = process.cpuUsage();
        const [mesh] = await model.track(img, [points], recipe.passes, recipe.firstScale);
        const used = process.cpuUsage(before);
        cpuUs += used.user + used.system;
        faces++;
        out.set(rel, { points: mesh.points.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]), score: Math.round(mesh.score * 1e4) / 1e4 });
      }
      onProgress?.(++done, points68.size);
    }
  } finally {
    await onnx.release();
  }
  return { meshes: out, msPerFace: faces === 0 ? 0 : cpuUs / 1000 / faces };
}
