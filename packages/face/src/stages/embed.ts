import { flipTensorHorizontally, type RgbImage } from '../image/rgb.js';
import type { Point } from '../geometry/similarity.js';
import type { OnnxModel } from '../runtime/session.js';
import { alignedBatch, jitteredBatch, type ChipGeometry } from './align.js';

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

export interface Embedder {
  model: OnnxModel;
  chip: ChipGeometry;
  dim: number;
}

export interface EmbedResult {
  vectors: Float32Array[];
  /** The first embedder's aligned crops, reused for quality measures. */
  chips: Float32Array;
}

/** Raw model outputs (n × dim, not normalised) for `n` NHWC crops of side `size`. */
export async function runEmbedder(model: OnnxModel, batch: Float32Array, n: number, size: number): Promise<Float32Array> {
  const out = await model.run(batch, [n, size, size, 3]);
  // Multi-head models (faceres: embedding, age, gender) name the descriptor `embedding`.
  const first = out.embedding ?? Object.values(out)[0];
  return first.data;
}

/** The batch with every crop mirrored left–right. */
export function mirroredBatch(batch: Float32Array, size: number, n: number): Float32Array {
  const per = size * size * 3;
  const flipped = new Float32Array(batch.length);
  for (let i = 0; i < n; i++) flipped.set(flipTensorHorizontally(batch.subarray(i * per, (i + 1) * per), size, size), i * per);
  return flipped;
}

/**
 * Face `i`'s unit vector from one or more views (the crop and its mirror): the raw outputs are
 * summed before normalising, so a view with a larger response counts more, as in flip TTA papers.
 */
export function fuseViews(views: readonly Float32Array[], i: number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (const p of views) for (let d = 0; d < dim; d++) v[d] += p[i * dim + d];
  return l2normalize(v);
}

/** Every face's unit vector from one embedder, with the aligned crops it ran on. */
export async function embedWith(e: Embedder, img: RgbImage, faces: readonly (readonly Point[])[], flip: boolean): Promise<{ vectors: Float32Array[]; batch: Float32Array }> {
  const s = e.chip.size;
  const batch = alignedBatch(img, faces, e.chip);
  const views = e.chip.jitter ? await jitterViews(e, img, faces) : [await runEmbedder(e.model, batch, faces.length, s)];
  if (flip) views.push(await runEmbedder(e.model, mirroredBatch(batch, s, faces.length), faces.length, s));
  return { vectors: faces.map((_, i) => fuseViews(views, i, e.dim)), batch };
}

/** A jittering chip's views (stages/jitter.ts), one n × dim block each, from one view-major batch. */
async function jitterViews(e: Embedder, img: RgbImage, faces: readonly (readonly Point[])[]): Promise<Float32Array[]> {
  const n = faces.length;
  const k = e.chip.jitter ?? 1;
  const out = await runEmbedder(e.model, jitteredBatch(img, faces, e.chip), n * k, e.chip.size);
  return Array.from({ length: k }, (_, v) => out.subarray(v * n * e.dim, (v + 1) * n * e.dim));
}

/**
 * Concatenates unit vectors scaled by 1/√k, so the result is a unit vector whose cosine with
 * another such concatenation is the mean of the embedders' cosines.
 */
export function concatUnitVectors(parts: readonly Float32Array[]): Float32Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Float32Array(total);
  const weight = 1 / Math.sqrt(parts.length);
  let offset = 0;
  for (const p of parts) {
    for (let d = 0; d < p.length; d++) out[offset + d] = p[d] * weight;
    offset += p.length;
  }
  return out;
}

/**
 * Aligns and embeds every face with every embedder (each on its own chip geometry). With several
 * embedders the unit vectors are concatenated (see concatUnitVectors). With `flip`, the mirrored
 * crop's output is added before normalising.
 */
export async function embedFaces(img: RgbImage, faces: readonly (readonly Point[])[], embedders: readonly Embedder[], flip: boolean): Promise<EmbedResult> {
  const perEmbedder: Float32Array[][] = [];
  let chips: Float32Array = new Float32Array(0);
  for (const [index, e] of embedders.entries()) {
    const { vectors, batch } = await embedWith(e, img, faces, flip);
    if (index === 0) chips = batch;
    perEmbedder.push(vectors);
  }
  const vectors = faces.map((_, i) => (embedders.length === 1 ? perEmbedder[0][i] : concatUnitVectors(perEmbedder.map((vs) => vs[i]))));
  return { vectors, chips };
}
