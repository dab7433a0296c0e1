import type { ChipGeometry } from './stages/align.js';

/** A model in the set, by its cache id and the square input size it runs at. */
export interface ModelRef {
  id: string;
  size: number;
}

export interface EmbedderRef {
  id: string;
  chip: ChipGeometry;
  /** Vector length the model outputs. */
  dim: number;
}

/**
 * The set of models that make up one FaceModelVersion. Vectors from different sets are never
 * compared, so any change here that moves embeddings needs a new `version`.
 */
export interface ModelSet {
  version: string;
  albumDetector: ModelRef;
  /** A cheap detector tried first for selfies (largest face only). */
  selfieDetector?: ModelRef;
  landmarks: ModelRef;
  /** One embedder, or several whose normalised vectors are concatenated (an ensemble). */
  embedders: EmbedderRef[];
  ageGender?: ModelRef;
  expression?: ModelRef;
}

export const DLIB_CHIP: ChipGeometry = { size: 150, scale: 1.25, shiftY: -0.18 };

export const MODEL_SETS: Record<string, ModelSet> = {
  'dlib-r34-v1': {
    version: 'facerec-dlib-r34-v1',
    albumDetector: { id: 'ssd-mobilenetv1', size: 512 },
    landmarks: { id: 'face-landmark-68', size: 112 },
    embedders: [{ id: 'face-recognition', chip: DLIB_CHIP, dim: 128 }],
    ageGender: { id: 'age-gender', size: 112 },
    expression: { id: 'face-expression', size: 112 },
  },
};

export const DEFAULT_MODEL_SET = 'dlib-r34-v1';

export function embeddingDim(set: ModelSet): number {
  return set.embedders.reduce((n, e) => n + e.dim, 0);
}

/** Every model id a set needs converted. */
export function modelIds(set: ModelSet): string[] {
  const refs = [set.albumDetector, set.selfieDetector, set.landmarks, ...set.embedders, set.ageGender, set.expression];
  return [...new Set(refs.filter((r): r is ModelRef | EmbedderRef => r !== undefined).map((r) => r.id))];
}
