import { toCosine, toSimilarity, type Calibration } from '@facerec/eval';
import { InvalidParameterError } from '@facerec/core';
import { CALIBRATIONS } from './calibrations.js';

/** Cosine similarity of two unit vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new InvalidParameterError(`embedding sizes differ (${a.length} vs ${b.length}): faces from different model versions cannot be compared`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Converts between cosine and Rekognition's 0–100 Similarity for one model version, with the
 * calibration fitted on LFW dev-train (see docs/benchmarks.md).
 */
export class SimilarityScale {
  constructor(readonly calibration: Calibration) {}

  static forModelVersion(version: string): SimilarityScale {
    const cal = CALIBRATIONS[version];
    if (!cal) throw new Error(`no similarity calibration for model version ${version}; run \`pnpm facerec bench pairs --fit-calibration\``);
    return new SimilarityScale(cal);
  }

  similarity(cos: number): number {
    return Number(toSimilarity(this.calibration, cos).toFixed(4));
  }

  /** The cosine a Similarity threshold corresponds to. */
  cosineThreshold(similarity: number): number {
    return toCosine(this.calibration, similarity);
  }
}
