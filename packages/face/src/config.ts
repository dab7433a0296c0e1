import os from 'node:os';
import path from 'node:path';
import { envBoolean, envEnum, envNumber, envString, type Env } from '@facerec/core';

/** The face engine's settings, read once from the environment. */
export interface EngineConfig {
  /** Where converted ONNX models are cached (FACEREC_MODEL_CACHE). */
  modelCacheDir: string;
  /** Largest accepted image in pixels (MAX_IMAGE_PIXELS). */
  maxImagePixels: number;
  /** Decode big photos at most this long on their longest side (FACEREC_DECODE_MAX_SIDE). */
  decodeMaxSide: number;
  /** Most faces kept per image, largest first (MAX_FACES_PER_IMAGE). */
  maxFacesPerImage: number;
  /** Detector score below which a face is dropped, 0–100 (MIN_FACE_CONFIDENCE). */
  minFaceConfidence: number;
  /** Faces smaller than this many pixels (box side, in the decoded image) are dropped (FACEREC_MIN_FACE_PX). */
  minFacePixels: number;
  /** Worker threads in the engine pool (FACEREC_THREADS, default = cores). */
  threads: number;
  /** Images that may wait for a thread before callers are throttled (FACEREC_QUEUE_LIMIT). */
  queueLimit: number;
  /**
   * Images one engine thread holds at once (FACEREC_TASKS_PER_THREAD, default 2): the next one's
   * decode overlaps the current one's inference, so a thread never idles waiting to be handed work.
   */
  tasksPerThread?: number;
  /** Embed the mirrored face too and average (FACEREC_FLIP_TTA). */
  flipTta: boolean;
  /** Album detection: also run on overlapping tiles for small faces in big photos (FACEREC_TILING). */
  tiling: 'auto' | 'off';
  /**
   * Album detection finds faces at least this wide, in pixels of the original photo
   * (FACEREC_ALBUM_MIN_FACE_PX). DESIGN's promise: a 60 px face in a 24 MP group photo. Photos whose
   * whole frame already shows such faces to the detector are not tiled.
   */
  albumMinFacePx: number;
  /** Accept WebP/HEIC besides JPEG and PNG (FACEREC_EXTRA_FORMATS). */
  extraFormats: boolean;
  /**
   * Landmark passes for selfies (FACEREC_SELFIE_LANDMARK_PASSES): `2` (default) re-runs the
   * landmarks on the box the first pass implies, as album photos always do; `seeded` takes one pass
   * on the box the selfie detector's calibration predicts the first pass would imply (`seed`; two
   * when the face came from a detector without one): ≈ 8 % more searches per core, LFW dev-test
   * 98.50 % against 99.10 % (docs/benchmarks.md "Search under load"); `1` takes one pass on the
   * detector's own box.
   */
  selfieLandmarkPasses?: 1 | 2 | 'seeded';
}

export function loadEngineConfig(env: Env = process.env): EngineConfig {
  return {
    modelCacheDir: path.resolve(envString(env, 'FACEREC_MODEL_CACHE', path.join(process.cwd(), '.facerec', 'models'))),
    maxImagePixels: envNumber(env, 'MAX_IMAGE_PIXELS', 40_000_000, { min: 6400, integer: true }),
    decodeMaxSide: envNumber(env, 'FACEREC_DECODE_MAX_SIDE', 2560, { min: 256, integer: true }),
    maxFacesPerImage: envNumber(env, 'MAX_FACES_PER_IMAGE', 100, { min: 1, max: 4096, integer: true }),
    minFaceConfidence: envNumber(env, 'MIN_FACE_CONFIDENCE', 50, { min: 0, max: 100 }),
    minFacePixels: envNumber(env, 'FACEREC_MIN_FACE_PX', 20, { min: 1 }),
    threads: envNumber(env, 'FACEREC_THREADS', os.availableParallelism(), { min: 1, max: 256, integer: true }),
    queueLimit: envNumber(env, 'FACEREC_QUEUE_LIMIT', 64, { min: 0, integer: true }),
    tasksPerThread: envNumber(env, 'FACEREC_TASKS_PER_THREAD', 2, { min: 1, max: 16, integer: true }),
    flipTta: envBoolean(env, 'FACEREC_FLIP_TTA', false),
    tiling: envEnum(env, 'FACEREC_TILING', ['auto', 'off'] as const, 'auto'),
    albumMinFacePx: envNumber(env, 'FACEREC_ALBUM_MIN_FACE_PX', 60, { min: 8 }),
    extraFormats: envBoolean(env, 'FACEREC_EXTRA_FORMATS', false),
    selfieLandmarkPasses: selfiePasses(envEnum(env, 'FACEREC_SELFIE_LANDMARK_PASSES', ['seeded', '1', '2'] as const, '2')),
  };
}

function selfiePasses(value: 'seeded' | '1' | '2'): 1 | 2 | 'seeded' {
  return value === 'seeded' ? value : value === '1' ? 1 : 2;
}
