/**
 * The face engine's public contract. Geometry follows Rekognition: boxes and landmarks are ratios
 * of the (orientation-corrected) image width/height, confidences are 0–100.
 */
export interface BoundingBox {
  Width: number;
  Height: number;
  Left: number;
  Top: number;
}

export type LandmarkType = 'eyeLeft' | 'eyeRight' | 'nose' | 'mouthLeft' | 'mouthRight';

export interface Landmark {
  Type: LandmarkType;
  X: number;
  Y: number;
}

export interface Pose {
  Roll: number;
  Yaw: number;
  Pitch: number;
}

export interface Quality {
  Brightness: number;
  Sharpness: number;
}

export interface FaceAttributes {
  AgeRange?: { Low: number; High: number };
  Gender?: { Value: 'Male' | 'Female'; Confidence: number };
  Smile?: { Value: boolean; Confidence: number };
  Emotions?: { Type: string; Confidence: number }[];
}

export interface AnalyzedFace {
  BoundingBox: BoundingBox;
  Confidence: number;
  Landmarks: Landmark[];
  Pose: Pose;
  Quality: Quality;
  attributes?: FaceAttributes;
  /** L2-normalised embedding of the engine's model version; present when `embed` was asked. */
  embedding?: Float32Array;
}

export interface AnalyzeOptions {
  /** `album`: recall on small faces in big photos. `selfie`: the largest face, fast. */
  mode: 'album' | 'selfie';
  embed: boolean;
  attributes: boolean;
  /** Keep at most this many faces (largest first). */
  maxFaces?: number;
  /**
   * When the engine's queue is full: `throttle` (default) refuses with ThrottledError; `wait` holds
   * the image until there is room (background work that bounds its own concurrency, e.g. ingestion).
   */
  whenBusy?: 'throttle' | 'wait';
  /**
   * Measure each stage's process CPU into `timings.stageCpuMs` (profiles only: a getrusage call per
   * stage, which cost ≈ 1.6 ms per search on the engine threads under load when it was always on).
   */
  stageCpu?: boolean;
}

export interface StageTimings {
  decodeMs: number;
  detectMs: number;
  embedMs: number;
  attributesMs: number;
  /**
   * Process CPU ms of each finer stage (decode, detect, landmarks, landmarks2, embed, quality,
   * attributes), for profiles: exact only while one analysis runs at a time in the process.
   */
  stageCpuMs?: Record<string, number>;
}

export interface ImageAnalysis {
  width: number;
  height: number;
  /** Rekognition's OrientationCorrection when EXIF rotated the image, else undefined. */
  orientationCorrection?: 'ROTATE_0' | 'ROTATE_90' | 'ROTATE_180' | 'ROTATE_270';
  faces: AnalyzedFace[];
  timings: StageTimings;
}

export interface FaceEngine {
  /** Names the model set; vectors of different versions are never compared. */
  readonly modelVersion: string;
  analyze(image: Uint8Array, options: AnalyzeOptions): Promise<ImageAnalysis>;
  close(): Promise<void>;
}
