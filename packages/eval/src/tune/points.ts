/**
 * Five landmark points per image, found once by the real engine and cached on disk, so a
 * geometry search re-runs only alignment and embedding.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FaceEngine } from '@facerec/face';
import { InvalidInputError } from '../errors.js';
import { isNotFound, readRequired } from '../files.js';
import { largestFace } from '../pairs.js';
import { mapConcurrent } from '../pool.js';
import type { ProgressCallback } from '../progress.js';

export type FivePoints = [number, number][];

/** Image path (relative to the images folder) → five points in decoded-image pixels, or null (no face). */
export type PointsByImage = Map<string, FivePoints | null>;

interface PointsFile<T> {
  /** What produced the points (engine version and options); a different key means recompute. */
  key: string;
  points: Record<string, T | null>;
}

/**
 * The largest face's five points, in pixels of the image as the engine decoded it (landmarks
 * are ratios of the orientation-corrected width and height).
 */
export async function findFivePoints(engine: FaceEngine, bytes: Uint8Array): Promise<FivePoints | null> {
  const analysis = await engine.analyze(bytes, { mode: 'selfie', embed: false, attributes: false, maxFaces: 1 });
  const face = largestFace(analysis.faces);
  if (face === undefined) return null;
  if (face.Landmarks.length !== 5) throw new InvalidInputError(`engine returned ${face.Landmarks.length} landmarks, expected 5`);
  return face.Landmarks.map((l) => [l.X * analysis.width, l.Y * analysis.height]);
}

export async function collectFivePoints(engine: FaceEngine, imagesDir: string, images: readonly string[], concurrency: number, onProgress?: ProgressCallback): Promise<PointsByImage> {
  let done = 0;
  const found = await mapConcurrent(images, concurrency, async (rel) => {
    const points = await findFivePoints(engine, await readRequired(resolve(imagesDir, rel), 'image'));
    onProgress?.(++done, images.length);
    return points;
  });
  return new Map(images.map((rel, i) => [rel, found[i]]));
}

/**
 * Points from `file` when it was written under the same `key` and covers every image; otherwise
 * `compute()` them and rewrite the file.
 */
export async function cachedFivePoints(file: string, key: string, images: readonly string[], compute: () => Promise<PointsByImage>): Promise<{ points: PointsByImage; fromCache: boolean }> {
  const { values, fromCache } = await cachedPerImage(file, key, images, compute);
  return { points: values, fromCache };
}

/** Any per-image JSON value (null = no face), cached like the five points. */
export async function cachedPerImage<T>(file: string, key: string, images: readonly string[], compute: () => Promise<Map<string, T | null>>): Promise<{ values: Map<string, T | null>; fromCache: boolean }> {
  const stored = await readPointsFile<T>(file);
  if (stored !== null && stored.key === key && images.every((rel) => rel in stored.points)) {
    return { values: new Map(images.map((rel) => [rel, stored.points[rel]])), fromCache: true };
  }
  const values = await compute();
  await mkdir(dirname(file), { recursive: true });
  const body: PointsFile<T> = { key, points: Object.fromEntries(values) };
  await writeFile(file, JSON.stringify(body));
  return { values, fromCache: false };
}

async function readPointsFile<T>(file: string): Promise<PointsFile<T> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const parsed = JSON.parse(text) as PointsFile<T>;
  return typeof parsed.key === 'string' && typeof parsed.points === 'object' ? parsed : null;
}
