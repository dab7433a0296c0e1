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
  /** A second cheap detector for selfies the first is unsure of, before the album detector. */
  selfieBackup?: ModelRef;
  landmarks: ModelRef;
  /**
   * Cheap detectors whose agreement adds faces the album detector misses (cut by the frame's edge);
   * see docs/benchmarks.md "Detection and speed".
   */
  albumSecondOpinion?: ModelRef[];
  /** One embedder, or several whose normalised vectors are concatenated (an ensemble). */
  embedders: EmbedderRef[];
  ageGender?: ModelRef;
  expression?: ModelRef;
}

/**
 * Names a chip geometry inside a version string (`c150s1.15y-0.18`, `c150s0.667y-0.045m51` for the
 * 51-point mean-shape template): vectors depend on it, so two sets that differ only in framing
 * must never share a version. The default arcface5 template adds nothing, so older versions keep
 * their names.
 */
export function chipTag(g: ChipGeometry): string {
  const template = g.template === 'mean51' ? 'm51' : g.template === 'dlib33' ? 'd33' : '';
  const jitter = g.jitter ? `j${g.jitter}` : '';
  return `c${g.size}s${g.scale}y${g.shiftY}${template}${jitter}`;
}

function versionOf(name: string, embedders: readonly EmbedderRef[]): string {
  return `facerec-${name}-${embedders.map((e) => `${e.id}.${chipTag(e.chip)}`).join('+')}`;
}

/**
 * dlib's ResNet-34 at the geometry chosen on LFW dev-train (docs/benchmarks.md): the face a bit
 * larger than ArcFace's framing and lifted by 18 % of the chip, close to dlib's own 150² chips.
 */
export const DLIB_CHIP: ChipGeometry = { size: 150, scale: 1.1, shiftY: -0.18 };

/**
 * dlib's ResNet-34 on chips made the way dlib makes its own: all 51 non-jaw landmarks fitted by
 * least squares onto their mean shape (learned on LFW dev-train, stages/mean-shape.ts), which
 * spans 2/3 of the chip as with dlib's padding 0.25; shiftY chosen on dev-train.
 */
export const DLIB_MEAN51_CHIP: ChipGeometry = { size: 150, scale: 0.667, shiftY: -0.035, template: 'mean51' };

/**
 * DLIB_CHIP with dlib's jitter test-time augmentation: the descriptor is the mean of 6 jittered
 * views (small rotation, zoom, shift, mirror; stages/jitter.ts), chosen on LFW dev-train
 * (docs/benchmarks.md). Six times the embedding work per face.
 */
export const DLIB_JITTER_CHIP: ChipGeometry = { ...DLIB_CHIP, jitter: 6 };

/** HSE faceres: trained on loose MTCNN crops, so it wants more margin than ArcFace's framing. */
export const FACERES_CHIP: ChipGeometry = { size: 224, scale: 0.85, shiftY: -0.05 };

/**
 * Detection and landmarks shared by every set (chosen in docs/benchmarks.md "Detection and
 * speed"). They move the five points only slightly (selfie vs album path: cosine 0.999), so they
 * are not part of the version.
 */
const DETECTION = {
  albumDetector: { id: 'ssd-mobilenetv1', size: 512 },
  selfieDetector: { id: 'blazeface-front', size: 128 },
  selfieBackup: { id: 'blazeface-back', size: 256 },
  albumSecondOpinion: [{ id: 'tiny-face-detector', size: 416 }, { id: 'blazeface-back', size: 256 }],
  landmarks: { id: 'face-landmark-68', size: 112 },
};
const ATTRIBUTES = { ageGender: { id: 'age-gender', size: 112 }, expression: { id: 'face-expression', size: 112 } };

function modelSet(name: string, embedders: EmbedderRef[]): ModelSet {
  return { version: versionOf(name, embedders), ...DETECTION, embedders, ...ATTRIBUTES };
}

const DLIB: EmbedderRef = { id: 'face-recognition', chip: DLIB_CHIP, dim: 128 };
/** The same network with int8 convs (models catalog `face-recognition-q8`): about half the CPU per face. */
const DLIB_Q8: EmbedderRef = { id: 'face-recognition-q8', chip: DLIB_CHIP, dim: 128 };
const DLIB_MEAN51: EmbedderRef = { id: 'face-recognition', chip: DLIB_MEAN51_CHIP, dim: 128 };
const DLIB_JITTER: EmbedderRef = { id: 'face-recognition', chip: DLIB_JITTER_CHIP, dim: 128 };
const FACERES: EmbedderRef = { id: 'faceres', chip: FACERES_CHIP, dim: 1024 };

/**
 * Licenses of the weights decide what may be the default: dlib's are public domain; faceres's
 * upstream (HSE_FaceRec_tf) grants no rights, so its sets are for evaluation only.
 */
export const MODEL_SETS: Record<string, ModelSet> = {
  'dlib-r34-v1': modelSet('dlib-r34-v1', [DLIB]),
  /** dlib-r34-v1 with the int8 embedder: its vectors differ slightly, so it is a set (and version) of its own. */
  'dlib-r34-q8': modelSet('dlib-r34-q8', [DLIB_Q8]),
  /** dlib-r34-v1 with mean-shape (51-point) alignment instead of the five-point ArcFace template. */
  'dlib-r34-v2': modelSet('dlib-r34-v2', [DLIB_MEAN51]),
  /** dlib-r34-v1 with jitter test-time augmentation (6 views per face). */
  'dlib-r34-v3': modelSet('dlib-r34-v3', [DLIB_JITTER]),
  /** Non-commercial: unlicensed weights, and less accurate than dlib on LFW. */
  'faceres-v1': modelSet('faceres-v1', [FACERES]),
};

export const DEFAULT_MODEL_SET = 'dlib-r34-v1';

export function embeddingDim(set: ModelSet): number {
  return set.embedders.reduce((n, e) => n + e.dim, 0);
}

/** Every model id a set needs converted. */
export function modelIds(set: ModelSet): string[] {
  const refs = [set.albumDetector, set.selfieDetector, set.selfieBackup, ...(set.albumSecondOpinion ?? []), set.landmarks, ...set.embedders, set.ageGender, set.expression];
  return [...new Set(refs.filter((r): r is ModelRef | EmbedderRef => r !== undefined).map((r) => r.id))];
}
