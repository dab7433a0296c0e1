/**
 * 68 landmark points per image for alignment studies (mean-shape fits, landmark refinement). The
 * engine's public API reports five points only, so the tuner takes the engine's face box and runs
 * the landmark stage itself, as the pipeline's `locate` does, with a chosen recipe.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeImage, type EngineConfig, type FaceEngine } from '@facerec/face';
import { OnnxModel } from '../../../face/src/runtime/session.js';
import { boxFromLandmarks, LandmarkModel } from '../../../face/src/stages/landmarks.js';
import type { Box } from '../../../face/src/geometry/nms.js';
import type { Point } from '../../../face/src/geometry/similarity.js';
import type { RgbImage } from '../../../face/src/image/rgb.js';
import { InvalidInputError } from '../errors.js';
import { readRequired } from '../files.js';
import { largestFace } from '../pairs.js';
import { mapConcurrent } from '../pool.js';
import type { ProgressCallback } from '../progress.js';

export type PixelBox = { x1: number; y1: number; x2: number; y2: number };

/** How landmarks are found: `passes` runs (the first on the detector's box, each next on the box the previous points imply), each optionally averaged with the mirrored crop. */
export interface LandmarkRecipe {
  passes: number;
  flip: boolean;
  /** Every pass after the first on the crop levelled on the previous points' eyes (LandmarkModel.locateLevelled). */
  levelled?: boolean;
}

/** `p2` = two passes, `p3f` = three passes with mirror averaging, `p2l` = the second pass on a levelled crop. */
export function parseRecipe(text: string): LandmarkRecipe {
  const m = /^p([1-5])(f|l)?$/.exec(text);
  if (m === null) throw new InvalidInputError(`landmark recipe must look like p2, p3f or p2l, got "${text}"`);
  const recipe: LandmarkRecipe = { passes: Number(m[1]), flip: m[2] === 'f' };
  if (m[2] === 'l') recipe.levelled = true;
  return recipe;
}

/** The largest face's detector box in pixels of the decoded image (selfie mode, as the bench runs). */
export async function findFaceBox(engine: FaceEngine, bytes: Uint8Array): Promise<PixelBox | null> {
  const analysis = await engine.analyze(bytes, { mode: 'selfie', embed: false, attributes: false, maxFaces: 1 });
  const face = largestFace(analysis.faces);
  if (face === undefined) return null;
  const { Left, Top, Width, Height } = face.BoundingBox;
  const [W, H] = [analysis.width, analysis.height];
  return { x1: Left * W, y1: Top * H, x2: (Left + Width) * W, y2: (Top + Height) * H };
}

export async function collectBoxes(engine: FaceEngine, imagesDir: string, images: readonly string[], concurrency: number, onProgress?: ProgressCallback): Promise<Map<string, PixelBox | null>> {
  let done = 0;
  const found = await mapConcurrent(images, concurrency, async (rel) => {
    const box = await findFaceBox(engine, await readRequired(resolve(imagesDir, rel), 'image'));
    onProgress?.(++done, images.length);
    return box;
  });
  return new Map(images.map((rel, i) => [rel, found[i]]));
}

/** The pipeline's landmark passes on one face, per the recipe. */
export async function locate68(model: LandmarkModel, img: RgbImage, box: PixelBox, recipe: LandmarkRecipe): Promise<Point[]> {
  let current: Box = { ...box, score: 1 };
  let points: Point[] = [];
  for (let pass = 0; pass < recipe.passes; pass++) {
    points = recipe.levelled === true && pass > 0 ? (await model.locateLevelled(img, [points]))[0] : (await model.locate(img, [current], recipe.flip))[0];
    current = boxFromLandmarks(points);
  }
  return points;
}

/** 68 points for every image with a box, one image at a time on this thread. */
export async function collectLandmarks(config: EngineConfig, imagesDir: string, boxes: ReadonlyMap<string, PixelBox | null>, recipe: LandmarkRecipe, onProgress?: ProgressCallback): Promise<Map<string, [number, number][] | null>> {
  const onnx = await OnnxModel.load(config.modelCacheDir, 'face-landmark-68');
  const model = new LandmarkModel(onnx, 112);
  const out = new Map<string, [number, number][] | null>();
  let done = 0;
  try {
    for (const [rel, box] of boxes) {
      if (box === null) {
        out.set(rel, null);
      } else {
        const img = await decodeImage(await readFile(resolve(imagesDir, rel)), { maxPixels: config.maxImagePixels, maxSide: config.decodeMaxSide, allowExtraFormats: config.extraFormats });
        out.set(rel, (await locate68(model, img, box, recipe)).map(([x, y]) => [x, y]));
      }
      onProgress?.(++done, boxes.size);
    }
  } finally {
    await onnx.release();
  }
  return out;
}
