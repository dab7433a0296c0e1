import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One attribute of a tfjs graph node, as the converter writes it into model.json. */
export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  shape?: { dim?: { size: string | number }[]; unknownRank?: boolean };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, TfAttr>;
}

export interface TfTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface TfPlaceholder {
  name: string;
  /** -1 where the original leaves the size open. */
  shape: number[];
}

/** A tfjs graph model with every weight decoded to float32/int32. */
export interface TfGraphModel {
  nodes: TfNode[];
  weights: Map<string, TfTensor>;
  inputs: TfPlaceholder[];
  /** Output tensor names from the model's signature ("name" or "name:0"), empty when it has none. */
  signatureOutputs: string[];
  /** Raw model.json, for tests that feed the same files to tfjs. */
  json: TfModelJson;
  /** The concatenated weight files, in manifest order. */
  weightData: Uint8Array;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

export interface TfModelJson {
  format?: string;
  modelTopology: { node: RawNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  signature?: Signature;
  userDefinedMetadata?: { signature?: Signature };
}

interface RawNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

interface Signature {
  outputs?: Record<string, { name: string }>;
}

export class TfModelError extends Error {
  override name = 'TfModelError';
}

/** Reads model.json and its weight files, dequantising fp16/uint8/uint16 weights to float32. */
export async function loadGraphModel(jsonPath: string): Promise<TfGraphModel> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as TfModelJson;
  if (!json.modelTopology?.node) throw new TfModelError(`${jsonPath}: not a tfjs graph model (no modelTopology.node)`);
  const dir = path.dirname(jsonPath);
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) parts.push(new Uint8Array(await readFile(path.join(dir, p))));
  }
  const weightData = concatBytes(parts);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const nodes = json.modelTopology.node.map((n) => ({ name: n.name, op: n.op, input: n.input ?? [], attr: n.attr ?? {} }));
  return {
    nodes,
    weights: decodeWeights(specs, weightData),
    inputs: nodes.filter((n) => n.op === 'Placeholder').map(placeholder),
    signatureOutputs: signatureOutputs(json),
    json,
    weightData,
  };
}

function signatureOutputs(json: TfModelJson): string[] {
  const sig = json.signature ?? json.userDefinedMetadata?.signature;
  return Object.values(sig?.outputs ?? {}).map((o) => o.name);
}

function placeholder(n: TfNode): TfPlaceholder {
  const dims = n.attr['shape']?.shape?.dim;
  if (!dims) throw new TfModelError(`placeholder ${n.name} has no static shape`);
  return { name: n.name, shape: dims.map((d) => Number(d.size)) };
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function bytesPerElement(spec: WeightSpec): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  if (stored === 'float16' || stored === 'uint16') return 2;
  if (stored === 'uint8') return 1;
  if (stored === 'float32' || stored === 'int32') return 4;
  throw new TfModelError(`weight ${spec.name}: unsupported stored dtype ${stored}`);
}

function decodeWeights(specs: WeightSpec[], data: Uint8Array): Map<string, TfTensor> {
  const out = new Map<string, TfTensor>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const size = count * bytesPerElement(spec);
    if (offset + size > data.length) throw new TfModelError(`weight ${spec.name} runs past the end of the weight files`);
    // Copy so every typed array is aligned regardless of where the weight sits in the file.
    const bytes = data.slice(offset, offset + size);
    out.set(spec.name, decodeWeight(spec, bytes, count));
    offset += size;
  }
  if (offset !== data.length) throw new TfModelError(`weight files hold ${data.length} bytes, manifest describes ${offset}`);
  return out;
}

function decodeWeight(spec: WeightSpec, bytes: Uint8Array, count: number): TfTensor {
  const shape = [...spec.shape];
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new TfModelError(`weight ${spec.name}: dtype ${spec.dtype} unsupported`);
  const q = spec.quantization;
  if (!q) {
    const values = spec.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    return { dtype: spec.dtype, shape, values };
  }
  const floats = dequantise(spec.name, q, bytes, count);
  if (spec.dtype === 'int32') return { dtype: 'int32', shape, values: Int32Array.from(floats, Math.round) };
  return { dtype: 'float32', shape, values: floats };
}

function dequantise(name: string, q: NonNullable<WeightSpec['quantization']>, bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  if (q.dtype === 'float16') {
    const halves = new Uint16Array(bytes.buffer);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(halves[i]!);
    return out;
  }
  if (q.scale === undefined || q.min === undefined) throw new TfModelError(`weight ${name}: ${q.dtype} quantisation without scale/min`);
  const raw = q.dtype === 'uint16' ? new Uint16Array(bytes.buffer) : bytes;
  for (let i = 0; i < count; i++) out[i] = raw[i]! * q.scale + q.min;
  return out;
}

/** IEEE 754 binary16 bits to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
