/** Test and measurement support: deterministic inputs, real photos, onnxruntime sessions. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { seededRandom } from '@facerec/core';

/** /work/shared/faces, found relative to the repository root. */
export const FACES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/faces');

export class MissingTestDataError extends Error {
  override readonly name = 'MissingTestDataError';
}

export function facePath(relative: string): string {
  const file = path.join(FACES_DIR, relative);
  if (!existsSync(file)) {
    throw new MissingTestDataError(`test image ${file} is missing: these tests need the shared face images (see shared/faces/README.md)`);
  }
  return file;
}


/** `count` pseudo-random pixel values in 0..255 (NHWC RGB when used as images). */
export function randomPixels(seed: number, count: number): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: count }, () => Math.floor(next() * 256));
}

export interface CropBox {
  /** Fractions of the image: centre and side of a square crop. */
  cx: number;
  cy: number;
  side: number;
}

/** Hand-checked square crops around the face in some of shared/faces/dev's portraits. */
export const FACE_CROPS = {
  obama1: { file: 'dev/barack_obama/1.jpg', crop: { cx: 0.535, cy: 0.175, side: 0.42 } },
  obama2: { file: 'dev/barack_obama/2.jpg', crop: { cx: 0.58, cy: 0.3, side: 0.68 } },
  jolie1: { file: 'dev/angelina_jolie/1.jpg', crop: { cx: 0.515, cy: 0.255, side: 0.55 } },
} as const satisfies Record<string, { file: string; crop: CropBox }>;

/** A FACE_CROPS entry decoded to size×size pixels. */
export function faceCrop(name: keyof typeof FACE_CROPS, size: number): Promise<Float32Array> {
  const { file, crop } = FACE_CROPS[name];
  return photoPixels(facePath(file), size, crop);
}

/**
 * Decodes a photo to NHWC float RGB 0..255 of size×size: the whole image squashed to a square,
 * or a square crop (fractions of the shorter side) first.
 */
export async function photoPixels(file: string, size: number, crop?: CropBox): Promise<Float32Array> {
  let image = sharp(file).rotate().removeAlpha().toColourspace('srgb');
  if (crop) {
    const { width = 0, height = 0 } = await sharp(file).rotate().metadata().then((m) => orient(m));
    const side = Math.round(crop.side * Math.min(width, height));
    const left = clamp(Math.round(crop.cx * width - side / 2), 0, width - side);
    const top = clamp(Math.round(crop.cy * height - side / 2), 0, height - side);
    image = image.extract({ left, top, width: side, height: side });
  }
  const { data } = await image.resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data);
}

function orient(m: { width?: number; height?: number; orientation?: number }): { width?: number; height?: number } {
  // EXIF orientations 5..8 swap width and height once rotated.
  return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : m;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

export function createSession(model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
}

/** Runs a single-input model on NHWC float data and returns every output as float32. */
export async function runImage(
  session: ort.InferenceSession,
  data: Float32Array,
  shape: readonly number[],
): Promise<Record<string, Float32Array>> {
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  const out = await session.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

export interface Difference {
  maxAbs: number;
  maxRef: number;
  /** The brief's tolerance: 1e-3 · max|reference| + 1e-4. */
  tolerance: number;
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>): Difference {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs expected ${expected.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  if (Number.isNaN(maxAbs)) maxAbs = Infinity;
  return { maxAbs, maxRef, tolerance: 1e-3 * maxRef + 1e-4 };
}
