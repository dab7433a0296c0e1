import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packageFile, type ModelSpec } from './spec.js';

/** What we record beside each converted model, to reuse it and to detect tampering or rot. */
export interface CacheRecord {
  id: string;
  sourcePackage: string;
  sourceSha256: string;
  converterVersion: number;
  onnxSha256: string;
  bytes: number;
  convertedAt: string;
}

export class ModelChecksumError extends Error {
  constructor(readonly modelId: string, detail: string) {
    super(`model ${modelId}: ${detail}`);
    this.name = 'ModelChecksumError';
  }
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function sourceDigest(spec: ModelSpec): Promise<string> {
  const h = createHash('sha256');
  for (const file of spec.sourceFiles) {
    h.update(file);
    h.update(await readFile(packageFile(spec.sourcePackage, file)));
  }
  return h.digest('hex');
}

async function readRecord(file: string): Promise<CacheRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CacheRecord;
  } catch {
    return undefined;
  }
}

/** Writes through a temp file and a rename, so a concurrent reader never sees half a model. */
async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

export interface EnsuredModel {
  id: string;
  path: string;
  record: CacheRecord;
  converted: boolean;
}

/**
 * Returns the cached ONNX file for `spec`, converting it first when the cache holds no file for
 * the current source weights and converter version. A cached file whose bytes no longer match
 * the recorded checksum is an error, not silently replaced: someone changed it.
 */
export async function ensureModel(spec: ModelSpec, cacheDir: string): Promise<EnsuredModel> {
  await mkdir(cacheDir, { recursive: true });
  const onnxPath = path.join(cacheDir, `${spec.id}.onnx`);
  const recordPath = path.join(cacheDir, `${spec.id}.json`);
  const sourceSha256 = await sourceDigest(spec);
  const existing = await readRecord(recordPath);
  if (existing && existing.sourceSha256 === sourceSha256 && existing.converterVersion === spec.converterVersion) {
    await verifyModelFile(onnxPath, existing);
    return { id: spec.id, path: onnxPath, record: existing, converted: false };
  }
  const onnx = await spec.convert();
  const record: CacheRecord = {
    id: spec.id,
    sourcePackage: spec.sourcePackage,
    sourceSha256,
    converterVersion: spec.converterVersion,
    onnxSha256: sha256(onnx),
    bytes: onnx.byteLength,
    convertedAt: new Date().toISOString(),
  };
  await writeAtomic(onnxPath, onnx);
  await writeAtomic(recordPath, JSON.stringify(record, null, 2) + '\n');
  return { id: spec.id, path: onnxPath, record, converted: true };
}

/** Checks a cached model against its record; throws ModelChecksumError on any mismatch. */
export async function verifyModelFile(onnxPath: string, record: CacheRecord): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(onnxPath);
  } catch {
    throw new ModelChecksumError(record.id, `cached file ${onnxPath} is missing; delete ${record.id}.json to convert again`);
  }
  const actual = sha256(bytes);
  if (actual !== record.onnxSha256) {
    throw new ModelChecksumError(record.id, `checksum mismatch for ${onnxPath} (expected ${record.onnxSha256}, got ${actual}); delete it and its .json to convert again`);
  }
  return bytes;
}

/** Reads a model that `ensureModel` produced earlier, verified against its checksum record. */
export async function loadCachedModel(cacheDir: string, id: string): Promise<Uint8Array> {
  const record = await readRecord(path.join(cacheDir, `${id}.json`));
  if (!record) throw new ModelChecksumError(id, `not converted yet in ${cacheDir}; run \`pnpm facerec models convert\``);
  return verifyModelFile(path.join(cacheDir, `${id}.onnx`), record);
}
