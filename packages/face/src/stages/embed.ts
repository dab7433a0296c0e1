import { flipTensorHorizontally, type RgbImage } from '../image/rgb.js';
import type { Point } from '../geometry/similarity.js';
import type { OnnxModel } from '../runtime/session.js';
import { alignedBatch, type ChipGeometry } from './align.js';

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

/**
 * Aligns and embeds every face with every embedder. With several embedders the unit vectors are
 * concatenated and scaled by 1/√k, so the result is a unit vector whose cosine is the mean of the
 * embedders' cosines. With `flip`, the mirrored crop's vector is added before normalising.
 */
export async function embedFaces(img: RgbImage, faces: readonly (readonly Point[])[], embedders: readonly Embedder[], flip: boolean): Promise<EmbedResult> {
  const total = embedders.reduce((n, e) => n + e.dim, 0);
  const vectors = faces.map(() => new Float32Array(total));
  let chips: Float32Array = new Float32Array(0);
  let offset = 0;
  for (const [index, e] of embedders.entries()) {
    const s = e.chip.size;
    const batch = alignedBatch(img, faces, e.chip);
    if (index === 0) chips = batch;
    const parts = [await runBatch(e, batch, faces.length)];
    if (flip) {
      const per = s * s * 3;
      const flipped = new Float32Array(batch.length);
      for (let i = 0; i < faces.length; i++) flipped.set(flipTensorHorizontally(batch.subarray(i * per, (i + 1) * per), s, s), i * per);
      parts.push(await runBatch(e, flipped, faces.length));
    }
    const weight = 1 / Math.sqrt(embedders.length);
    for (let i = 0; i < faces.length; i++) {
      const v = new Float32Array(e.dim);
      for (const p of parts) for (let d = 0; d < e.dim; d++) v[d] += p[i * e.dim + d];
      l2normalize(v);
      for (let d = 0; d < e.dim; d++) vectors[i][offset + d] = v[d] * weight;
    }
    offset += e.dim;
  }
  return { vectors, chips };
}

async function runBatch(e: Embedder, batch: Float32Array, n: number): Promise<Float32Array> {
  const s = e.chip.size;
  const out = await e.model.run(batch, [n, s, s, 3]);
  const first = out.embedding ?? Object.values(out)[0];
  return first.data;
}
