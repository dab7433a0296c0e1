/**
 * The verification benchmark: embed every image of a pairs list once, score pairs by cosine,
 * report LFW-style accuracy (threshold from a train list or by 10-fold), TAR at FAR 1e-3 and AUC.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AnalyzedFace, FaceEngine } from '@facerec/face';
import { CsvFormatError, EngineContractError, ImageFailedError, InvalidInputError, MissingFileError } from './errors.js';
import { isNotFound, readRequired } from './files.js';
import { accuracyAt, bestThreshold, crossValidate, rocAuc, tarAtFar } from './metrics.js';
import type { ScoredPair } from './metrics.js';
import { mapConcurrent } from './pool.js';
import type { ProgressCallback } from './progress.js';

export interface PairSpec {
  /** Image paths relative to the images folder. */
  imageA: string;
  imageB: string;
  same: boolean;
  fold?: number;
}

export interface ScoredImagePair extends ScoredPair {
  imageA: string;
  imageB: string;
}

const REQUIRED_COLUMNS = ['image_a', 'image_b', 'same'] as const;
const KNOWN_COLUMNS = new Set<string>([...REQUIRED_COLUMNS, 'fold']);

/** Parses `image_a,image_b,same[,fold]` (header line first; same is 1/0 or true/false). */
export function parsePairsCsv(text: string, file = 'pairs.csv'): PairSpec[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const columns = headerColumns(header, file);
  const pairs: PairSpec[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    pairs.push(parsePairRow(line, header.length, columns, file, i + 2));
  });
  if (pairs.length === 0) throw new CsvFormatError(file, 1, 'no pairs after the header');
  return pairs;
}

interface PairColumns {
  imageA: number;
  imageB: number;
  same: number;
  fold: number | undefined;
}

function headerColumns(header: readonly string[], file: string): PairColumns {
  for (const name of header) {
    if (!KNOWN_COLUMNS.has(name)) throw new CsvFormatError(file, 1, `unknown column "${name}" (expected image_a,image_b,same[,fold])`);
  }
  for (const name of REQUIRED_COLUMNS) {
    if (!header.includes(name)) throw new CsvFormatError(file, 1, `missing column "${name}" (expected image_a,image_b,same[,fold])`);
  }
  if (new Set(header).size !== header.length) throw new CsvFormatError(file, 1, 'a column appears twice');
  const fold = header.indexOf('fold');
  return { imageA: header.indexOf('image_a'), imageB: header.indexOf('image_b'), same: header.indexOf('same'), fold: fold < 0 ? undefined : fold };
}

function parsePairRow(line: string, width: number, columns: PairColumns, file: string, lineNo: number): PairSpec {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length !== width) throw new CsvFormatError(file, lineNo, `expected ${width} fields, got ${fields.length}`);
  const imageA = fields[columns.imageA];
  const imageB = fields[columns.imageB];
  if (imageA === '' || imageB === '') throw new CsvFormatError(file, lineNo, 'empty image path');
  const pair: PairSpec = { imageA, imageB, same: parseSame(fields[columns.same], file, lineNo) };
  if (columns.fold !== undefined) pair.fold = parseFold(fields[columns.fold], file, lineNo);
  return pair;
}

function parseSame(value: string, file: string, lineNo: number): boolean {
  switch (value.toLowerCase()) {
    case '1':
    case 'true':
      return true;
    case '0':
    case 'false':
      return false;
    default:
      throw new CsvFormatError(file, lineNo, `same must be 1, 0, true or false, got "${value}"`);
  }
}

function parseFold(value: string, file: string, lineNo: number): number {
  if (!/^\d+$/.test(value)) throw new CsvFormatError(file, lineNo, `fold must be a non-negative integer, got "${value}"`);
  return Number(value);
}

export async function readPairsCsv(path: string): Promise<PairSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) throw new MissingFileError(path, 'pairs CSV not found', { cause: error });
    throw error;
  }
  return parsePairsCsv(text, path);
}

/** Cosine similarity; engines return L2-normalised vectors, but dividing by the norms costs nothing. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new EngineContractError(`embedding sizes differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) throw new EngineContractError('an embedding is all zeros');
  return dot / Math.sqrt(na * nb);
}

/** Largest face by box area (boxes are ratios of the same image, so ratios compare fine). */
export function largestFace(faces: readonly AnalyzedFace[]): AnalyzedFace | undefined {
  let best: AnalyzedFace | undefined;
  for (const f of faces) {
    if (best === undefined || f.BoundingBox.Width * f.BoundingBox.Height > best.BoundingBox.Width * best.BoundingBox.Height) best = f;
  }
  return best;
}

export interface ImageEmbedding {
  /** Null when the engine found no face. */
  embedding: Float32Array | null;
  analyzeMs: number;
}

/**
 * Embeds images (selfie mode, largest face) at most once per resolved path, so an image shared by
 * the train and test lists — or by many pairs — costs one engine call.
 */
export class EmbeddingCache {
  private readonly entries = new Map<string, Promise<ImageEmbedding>>();

  constructor(
    private readonly engine: FaceEngine,
    private readonly imagesDir: string,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  embed(relPath: string): Promise<ImageEmbedding> {
    const key = resolve(this.imagesDir, relPath);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = this.compute(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async compute(path: string): Promise<ImageEmbedding> {
    const bytes = await readRequired(path, 'image');
    const started = performance.now();
    let faces: AnalyzedFace[];
    try {
      ({ faces } = await this.engine.analyze(bytes, { mode: 'selfie', embed: true, attributes: false, maxFaces: 1 }));
    } catch (error) {
      throw new ImageFailedError(path, error);
    }
    const analyzeMs = performance.now() - started;
    const face = largestFace(faces);
    if (face === undefined) return { embedding: null, analyzeMs };
    if (face.embedding === undefined) throw new EngineContractError(`engine returned a face without an embedding for ${path}`);
    return { embedding: face.embedding, analyzeMs };
  }
}

export interface PairsBenchOptions {
  engine: FaceEngine;
  /** Evaluation pairs: a CSV path or parsed pairs. */
  pairs: string | readonly PairSpec[];
  /** Folder the pair paths are relative to. */
  images: string;
  /** Pairs to choose the threshold on; without it every pair needs a fold (10-fold protocol). */
  train?: string | readonly PairSpec[];
  /** Engine calls in flight (default 1). */
  concurrency?: number;
  onProgress?: ProgressCallback;
}

export interface PairsBenchResult {
  model_version: string;
  protocol: 'train-test' | 'k-fold';
  /** Accuracy on the evaluation pairs (mean over folds for k-fold); no-face pairs count as wrong. */
  accuracy: number;
  /** Std of the fold accuracies; null for train-test. */
  accuracy_std: number | null;
  /** Cosine threshold used: chosen on train, or the mean of the fold thresholds. */
  threshold: number;
  /** Accuracy on the train pairs at `threshold`; null for k-fold. */
  train_accuracy: number | null;
  'tar_at_far_1e-3': number;
  /** Negative pairs behind that TAR: with fewer than 1,000, FAR 1e-3 allows no false accept. */
  'far_1e-3_negatives': number;
  'far_1e-3_false_accepts_allowed': number;
  'far_1e-3_threshold': number;
  auc: number;
  pairs: number;
  /** Evaluation pairs where an image had no face. */
  no_face: number;
  train_pairs: number | null;
  train_no_face: number | null;
  /** Mean engine.analyze time per distinct image (concurrent calls overlap). */
  ms_per_image: number;
  /** Distinct images embedded (train and evaluation together). */
  images: number;
  images_no_face: number;
  wall_ms: number;
}

export interface PairsBenchRun {
  result: PairsBenchResult;
  /** Scored evaluation pairs, in input order. */
  scored: ScoredImagePair[];
  /** Scored train pairs (what a calibration should be fitted on); null without train. */
  trainScored: ScoredImagePair[] | null;
}

export async function runPairsBench(options: PairsBenchOptions): Promise<PairsBenchRun> {
  const started = performance.now();
  const evalPairs = await loadPairs(options.pairs);
  const trainPairs = options.train === undefined ? null : await loadPairs(options.train);
  if (trainPairs === null && !evalPairs.every((p) => p.fold !== undefined)) {
    throw new InvalidInputError('pairs need a fold column for the k-fold protocol, or pass train pairs to choose the threshold on');
  }
  const cache = new EmbeddingCache(options.engine, options.images);
  const embeddings = await embedAll(cache, [...(trainPairs ?? []), ...evalPairs], options);
  const scored = scorePairs(evalPairs, embeddings);
  const trainScored = trainPairs === null ? null : scorePairs(trainPairs, embeddings);
  const summary = trainScored === null ? kFold(scored) : trainTest(trainScored, scored);
  const far = tarAtFar(scored, 1e-3);
  const analyzed = [...embeddings.values()];
  const result: PairsBenchResult = {
    model_version: options.engine.modelVersion,
    ...summary,
    'tar_at_far_1e-3': far.tar,
    'far_1e-3_negatives': far.negatives,
    'far_1e-3_false_accepts_allowed': far.allowedFalseAccepts,
    'far_1e-3_threshold': far.threshold,
    auc: rocAuc(scored),
    pairs: scored.length,
    no_face: countNull(scored),
    train_pairs: trainScored?.length ?? null,
    train_no_face: trainScored === null ? null : countNull(trainScored),
    ms_per_image: analyzed.reduce((s, e) => s + e.analyzeMs, 0) / analyzed.length,
    images: analyzed.length,
    images_no_face: analyzed.filter((e) => e.embedding === null).length,
    wall_ms: performance.now() - started,
  };
  return { result, scored, trainScored };
}

async function loadPairs(source: string | readonly PairSpec[]): Promise<readonly PairSpec[]> {
  return typeof source === 'string' ? readPairsCsv(source) : source;
}

async function embedAll(cache: EmbeddingCache, pairs: readonly PairSpec[], options: PairsBenchOptions): Promise<Map<string, ImageEmbedding>> {
  const distinct = [...new Set(pairs.flatMap((p) => [p.imageA, p.imageB]))];
  let done = 0;
  const results = await mapConcurrent(distinct, options.concurrency ?? 1, async (rel) => {
    const embedding = await cache.embed(rel);
    options.onProgress?.(++done, distinct.length);
    return embedding;
  });
  return new Map(distinct.map((rel, i) => [rel, results[i]]));
}

function scorePairs(pairs: readonly PairSpec[], embeddings: ReadonlyMap<string, ImageEmbedding>): ScoredImagePair[] {
  return pairs.map((p) => {
    const a = embeddings.get(p.imageA)?.embedding ?? null;
    const b = embeddings.get(p.imageB)?.embedding ?? null;
    const score = a === null || b === null ? null : cosine(a, b);
    const scoredPair: ScoredImagePair = { imageA: p.imageA, imageB: p.imageB, same: p.same, score };
    if (p.fold !== undefined) scoredPair.fold = p.fold;
    return scoredPair;
  });
}

type ProtocolSummary = Pick<PairsBenchResult, 'protocol' | 'accuracy' | 'accuracy_std' | 'threshold' | 'train_accuracy'>;

function trainTest(train: readonly ScoredPair[], test: readonly ScoredPair[]): ProtocolSummary {
  const { threshold, accuracy } = bestThreshold(train);
  return { protocol: 'train-test', accuracy: accuracyAt(test, threshold), accuracy_std: null, threshold, train_accuracy: accuracy };
}

function kFold(pairs: readonly ScoredPair[]): ProtocolSummary {
  const cv = crossValidate(pairs);
  return { protocol: 'k-fold', accuracy: cv.accuracy, accuracy_std: cv.accuracyStd, threshold: cv.threshold, train_accuracy: null };
}

function countNull(pairs: readonly ScoredPair[]): number {
  return pairs.filter((p) => p.score === null).length;
}
