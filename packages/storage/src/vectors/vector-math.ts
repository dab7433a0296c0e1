/** Vector helpers shared by the adapters, the contract suite and the benchmark. */
import type { FilterCondition, MetadataFilter, MetadataValue, VectorMetadata } from './vector-index.js';

/** A unit-length copy; cosine similarity of unit vectors is their dot product. */
export function normalized(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const out = new Float32Array(vector.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] * inv;
  return out;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function matchesFilter(metadata: VectorMetadata, filter: MetadataFilter | undefined): boolean {
  if (!filter) return true;
  for (const [field, condition] of Object.entries(filter)) {
    if (!matchesCondition(metadata[field], condition)) return false;
  }
  return true;
}

function matchesCondition(value: MetadataValue | undefined, condition: FilterCondition): boolean {
  if (typeof condition !== 'object') return value === condition;
  if ('$eq' in condition) return value === condition.$eq;
  if ('$ne' in condition) return value !== condition.$ne;
  if ('$in' in condition) return value !== undefined && condition.$in.includes(value);
  if ('$nin' in condition) return value === undefined || !condition.$nin.includes(value);
  return (value !== undefined) === condition.$exists;
}

/**
 * Keeps the best `k` (score, slot) pairs seen so far, sorted by score descending. Insertion into
 * a sorted array beats a heap for the small k of face search and keeps the result ready to return.
 */
export class TopK {
  readonly scores: Float64Array;
  readonly slots: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.slots = new Int32Array(k);
  }

  /** The score a candidate must beat to enter (−Infinity while not full). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[this.k - 1];
  }

  push(score: number, slot: number): void {
    if (this.k === 0 || score <= this.threshold) return;
    let i = this.size < this.k ? this.size++ : this.k - 1;
    while (i > 0 && this.scores[i - 1] < score) {
      this.scores[i] = this.scores[i - 1];
      this.slots[i] = this.slots[i - 1];
      i--;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }
}
