import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageFile } from '../spec.js';

/** uint8 storage of a weight as shipped: value = q * scale + min (tfjs weight quantisation). */
export interface Quantized {
  data: Uint8Array;
  scale: number;
  min: number;
  /**
   * `-min / scale` when it is an integer in 0..255 (the tfjs converter nudges ranges so zero is
   * exact), which lets ONNX DequantizeLinear reproduce the values; undefined otherwise.
   */
  zeroPoint: number | undefined;
}

export interface Weight {
  name: string;
  shape: readonly number[];
  /** Dequantised values, exactly as tfjs computes them (float32 of q * scale + min). */
  values: Float32Array;
  quantized?: Quantized;
}

export type WeightMap = ReadonlyMap<string, Weight>;

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

export class WeightManifestError extends Error {
  override readonly name = 'WeightManifestError';
}

/** Names of the face-api models shipped as `model/<name>-weights_manifest.json` + `.bin`. */
export type FaceApiModelName =
  | 'face_recognition_model'
  | 'ssd_mobilenetv1_model'
  | 'face_landmark_68_model'
  | 'face_landmark_68_tiny_model'
  | 'age_gender_model'
  | 'face_expression_model'
  | 'tiny_face_detector_model';

export function manifestPath(model: FaceApiModelName): string {
  return `model/${model}-weights_manifest.json`;
}

/** The package files a model's conversion reads (manifest first, then its shards). */
export async function sourceFilesOf(model: FaceApiModelName): Promise<string[]> {
  const manifest = await readManifest(packageFile('@vladmandic/face-api', manifestPath(model)));
  return [manifestPath(model), ...manifest.flatMap((g) => g.paths.map((p) => `model/${p}`))];
}

/** Reads a face-api model's weights from the installed @vladmandic/face-api package. */
export function loadFaceApiWeights(model: FaceApiModelName): Promise<WeightMap> {
  return loadWeightManifest(packageFile('@vladmandic/face-api', manifestPath(model)));
}

/** Reads a tfjs weights manifest and its binary shards and dequantises every weight. */
export async function loadWeightManifest(manifestFile: string): Promise<WeightMap> {
  const groups = await readManifest(manifestFile);
  const dir = path.dirname(manifestFile);
  const weights = new Map<string, Weight>();
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    const bytes = concatBytes(shards);
    let offset = 0;
    for (const entry of group.weights) {
      const weight = decodeEntry(entry, bytes, offset);
      offset += byteLength(entry);
      weights.set(entry.name, weight);
    }
    if (offset !== bytes.length) {
      throw new WeightManifestError(`${manifestFile}: manifest describes ${offset} bytes, shards hold ${bytes.length}`);
    }
  }
  return weights;
}

async function readManifest(file: string): Promise<ManifestGroup[]> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new WeightManifestError(`${file}: expected an array of weight groups`);
  return parsed as ManifestGroup[];
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function byteLength(entry: ManifestEntry): number {
  const q = entry.quantization?.dtype;
  const bytesPerElement = q === 'uint8' ? 1 : q === 'uint16' || q === 'float16' ? 2 : 4;
  return elementCount(entry.shape) * bytesPerElement;
}

function decodeEntry(entry: ManifestEntry, bytes: Uint8Array, offset: number): Weight {
  const count = elementCount(entry.shape);
  const { name, shape } = entry;
  const q = entry.quantization;
  if (!q) {
    // Copy so the Float32Array/Int32Array view is aligned regardless of the shard offset.
    const raw = bytes.slice(offset, offset + count * 4);
    const values = entry.dtype === 'int32' ? Float32Array.from(new Int32Array(raw.buffer)) : new Float32Array(raw.buffer);
    return { name, shape, values };
  }
  if (q.dtype !== 'uint8' || q.scale === undefined || q.min === undefined) {
    throw new WeightManifestError(`${name}: unsupported quantisation ${JSON.stringify(q)}`);
  }
  const data = bytes.slice(offset, offset + count);
  const { scale, min } = q;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = data[i] * scale + min;
  return { name, shape, values, quantized: { data, scale, min, zeroPoint: exactZeroPoint(scale, min) } };
}

function exactZeroPoint(scale: number, min: number): number | undefined {
  const z = -min / scale;
  const rounded = Math.round(z);
  if (rounded < 0 || rounded > 255 || Math.abs(z - rounded) > 1e-3) return undefined;
  return rounded;
}

/** Looks a weight up and checks its shape, so a wrong name or layout fails at conversion time. */
export function getWeight(weights: WeightMap, name: string, shape?: readonly number[]): Weight {
  const w = weights.get(name);
  if (!w) throw new WeightManifestError(`missing weight ${name}`);
  if (shape && (shape.length !== w.shape.length || shape.some((d, i) => d !== w.shape[i]))) {
    throw new WeightManifestError(`${name}: expected shape [${shape.join(',')}], manifest has [${w.shape.join(',')}]`);
  }
  return w;
}
