import type { Calibration } from '@facerec/eval';

/**
 * Cosine → Similarity calibrations per FaceModelVersion, fitted on LFW dev-train pairs with
 * `pnpm facerec bench pairs --train … --fit-calibration` (the command prints this object).
 */
export const CALIBRATIONS: Record<string, Calibration> = {};
