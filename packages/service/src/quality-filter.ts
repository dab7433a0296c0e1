import type { AnalyzedFace } from '@facerec/face';
import type { QualityFilter } from './validate.js';

export type QualityReason = 'EXTREME_POSE' | 'LOW_BRIGHTNESS' | 'LOW_SHARPNESS' | 'LOW_CONFIDENCE' | 'SMALL_BOUNDING_BOX';

interface Bar {
  minConfidence: number;
  minBrightness: number;
  minSharpness: number;
  maxYaw: number;
  maxPitch: number;
  /** Smallest face side in pixels of the image. */
  minSidePx: number;
}

/**
 * What each QualityFilter level refuses. AUTO is our default bar (between LOW and MEDIUM), as in
 * Rekognition where AUTO "chooses the quality bar". Brightness and sharpness are our 0–100
 * measures (see packages/face stages/quality.ts).
 */
const BARS: Record<Exclude<QualityFilter, 'NONE'>, Bar> = {
  LOW: { minConfidence: 50, minBrightness: 5, minSharpness: 2, maxYaw: 80, maxPitch: 60, minSidePx: 16 },
  AUTO: { minConfidence: 70, minBrightness: 10, minSharpness: 5, maxYaw: 65, maxPitch: 50, minSidePx: 20 },
  MEDIUM: { minConfidence: 80, minBrightness: 15, minSharpness: 10, maxYaw: 55, maxPitch: 45, minSidePx: 30 },
  HIGH: { minConfidence: 90, minBrightness: 25, minSharpness: 20, maxYaw: 40, maxPitch: 30, minSidePx: 50 },
};

/** The reasons a face fails the filter (empty: it passes). */
export function qualityReasons(face: AnalyzedFace, filter: QualityFilter, imageWidth: number, imageHeight: number): QualityReason[] {
  if (filter === 'NONE') return [];
  const bar = BARS[filter];
  const reasons: QualityReason[] = [];
  if (Math.abs(face.Pose.Yaw) > bar.maxYaw || Math.abs(face.Pose.Pitch) > bar.maxPitch) reasons.push('EXTREME_POSE');
  if (face.Quality.Brightness < bar.minBrightness) reasons.push('LOW_BRIGHTNESS');
  if (face.Quality.Sharpness < bar.minSharpness) reasons.push('LOW_SHARPNESS');
  if (face.Confidence < bar.minConfidence) reasons.push('LOW_CONFIDENCE');
  const side = Math.min(face.BoundingBox.Width * imageWidth, face.BoundingBox.Height * imageHeight);
  if (side < bar.minSidePx) reasons.push('SMALL_BOUNDING_BOX');
  return reasons;
}
