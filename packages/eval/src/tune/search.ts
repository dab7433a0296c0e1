/**
 * Scores chip geometries (and flip TTA) for one embedder on verification pairs: every image is
 * embedded once per geometry from cached landmarks, then pairs are scored by cosine.
 */
import { InvalidInputError } from '../errors.js';
import { bestThreshold, rocAuc, tarAtFar, type ScoredPair } from '../metrics.js';
import type { PairSpec } from '../pairs.js';
import type { ProgressCallback } from '../progress.js';
import type { GeometryCandidate } from './grid.js';
import type { FivePoints, PointsByImage } from './points.js';

/** An embedder's raw outputs (not normalised) for a crop and, when asked, its mirror. */
export interface RawViews {
  plain: Float32Array;
  mirrored: Float32Array | null;
}

/** Embeds one image at every candidate geometry (the image is decoded once per call). */
export type EmbedAtGeometries = (image: string, points: FivePoints, candidates: readonly GeometryCandidate[], mirror: boolean) => Promise<RawViews[]>;

export type FlipMode = 'off' | 'on' | 'both';

/** Image → unit vector. */
export type VectorsByImage = Map<string, Float32Array>;

export interface PairMetrics {
  auc: number;
  /** Best-threshold accuracy on these pairs (the threshold is chosen on them: a tuning score). */
  accuracy: number;
  threshold: number;
  'tar_at_far_1e-3': number;
  /** Pairs where both images have a face (the only ones scored). */
  pairs: number;
}

export interface GeometryScore extends GeometryCandidate, PairMetrics {
  flip: boolean;
}

export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

/** The flip-TTA vector: raw outputs summed, then normalised (what the engine does). */
export function fuse(views: RawViews): Float32Array {
  if (views.mirrored === null) return unit(views.plain);
  return unit(views.plain.map((x, d) => x + (views.mirrored as Float32Array)[d]));
}

export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new InvalidInputError(`vector sizes differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Pairs whose images both have vectors in every map, scored by `score`. */
function comparablePairs(pairs: readonly PairSpec[], maps: readonly VectorsByImage[], score: (a: string, b: string) => number): ScoredPair[] {
  return pairs
    .filter((p) => maps.every((m) => m.has(p.imageA) && m.has(p.imageB)))
    .map((p) => ({ score: score(p.imageA, p.imageB), same: p.same }));
}

export function pairMetrics(scored: readonly ScoredPair[]): PairMetrics {
  const best = bestThreshold(scored);
  return { auc: rocAuc(scored), accuracy: best.accuracy, threshold: best.threshold, 'tar_at_far_1e-3': tarAtFar(scored, 1e-3).tar, pairs: scored.length };
}

export function scoreVectors(pairs: readonly PairSpec[], vectors: VectorsByImage): PairMetrics {
  return pairMetrics(comparablePairs(pairs, [vectors], (a, b) => dot(vectors.get(a) as Float32Array, vectors.get(b) as Float32Array)));
}

/**
 * Metrics when the two sides of a pair are embedded differently: image A from `query` (e.g. a
 * selfie with test-time augmentation), image B from `gallery` (e.g. plain album vectors).
 */
export function scoreCross(pairs: readonly PairSpec[], query: VectorsByImage, gallery: VectorsByImage): PairMetrics {
  const scored = pairs
    .filter((p) => query.has(p.imageA) && gallery.has(p.imageB))
    .map((p) => ({ score: dot(query.get(p.imageA) as Float32Array, gallery.get(p.imageB) as Float32Array), same: p.same }));
  return pairMetrics(scored);
}

/**
 * An ensemble's metrics when its members' unit vectors are concatenated with weights w: the
 * cosine of two concatenations is Σ w·cos / Σ w (with each member scaled by √(w / Σ w)).
 */
export function scoreEnsemble(pairs: readonly PairSpec[], members: readonly VectorsByImage[], weights: readonly number[]): PairMetrics {
  if (members.length !== weights.length) throw new InvalidInputError('one weight per ensemble member');
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0) || weights.some((w) => w < 0)) throw new InvalidInputError('weights must be non-negative with a positive sum');
  const score = (a: string, b: string): number => members.reduce((s, m, i) => s + (weights[i] / total) * dot(m.get(a) as Float32Array, m.get(b) as Float32Array), 0);
  return pairMetrics(comparablePairs(pairs, members, score));
}

/** Pairs (both images embedded) that `threshold` decides wrongly, with their cosine, worst first. */
export function misclassified(pairs: readonly PairSpec[], vectors: VectorsByImage, threshold: number): { imageA: string; imageB: string; same: boolean; cosine: number }[] {
  return pairs
    .filter((p) => vectors.has(p.imageA) && vectors.has(p.imageB))
    .map((p) => ({ imageA: p.imageA, imageB: p.imageB, same: p.same, cosine: dot(vectors.get(p.imageA) as Float32Array, vectors.get(p.imageB) as Float32Array) }))
    .filter((p) => (p.cosine >= threshold) !== p.same)
    .sort((a, b) => Math.abs(b.cosine - threshold) - Math.abs(a.cosine - threshold));
}

export interface SearchOptions {
  pairs: readonly PairSpec[];
  points: PointsByImage;
  candidates: readonly GeometryCandidate[];
  flip: FlipMode;
  embed: EmbedAtGeometries;
  onProgress?: ProgressCallback;
}

export interface SearchResult {
  scores: GeometryScore[];
  /** Vectors per score row (same order), for ensembles. */
  vectors: VectorsByImage[];
  /** Pairs left out because an image had no face. */
  noFacePairs: number;
}

export async function searchGeometries(options: SearchOptions): Promise<SearchResult> {
  const { pairs, points, candidates, flip } = options;
  const images = [...new Set(pairs.flatMap((p) => [p.imageA, p.imageB]))].filter((rel) => points.get(rel));
  const variants = flip === 'both' ? [false, true] : [flip === 'on'];
  const vectors = candidates.flatMap(() => variants.map((): VectorsByImage => new Map()));
  let done = 0;
  for (const rel of images) {
    const views = await options.embed(rel, points.get(rel) as FivePoints, candidates, flip !== 'off');
    views.forEach((v, c) => {
      variants.forEach((flipped, k) => vectors[c * variants.length + k].set(rel, flipped ? fuse(v) : unit(v.plain)));
    });
    options.onProgress?.(++done, images.length);
  }
  const scores = candidates.flatMap((c, ci) => variants.map((flipped, k): GeometryScore => ({ ...c, flip: flipped, ...scoreVectors(pairs, vectors[ci * variants.length + k]) })));
  const noFacePairs = pairs.filter((p) => !points.get(p.imageA) || !points.get(p.imageB)).length;
  return { scores, vectors, noFacePairs };
}
