import type { Point } from '../geometry/similarity.js';

/**
 * Brightness and sharpness of an aligned face crop, on Rekognition's 0–100 scale.
 * Brightness is the mean luma; sharpness the variance of the Laplacian of the luma, mapped
 * through 100·(1 − e^(−var/K)) so that a crisp face approaches 100 and a blurred one 0.
 */
export function cropQuality(chip: Float32Array, offset: number, size: number): { Brightness: number; Sharpness: number } {
  const luma = new Float32Array(size * size);
  let sum = 0;
  for (let i = 0; i < size * size; i++) {
    const o = offset + i * 3;
    const l = 0.299 * chip[o] + 0.587 * chip[o + 1] + 0.114 * chip[o + 2];
    luma[i] = l;
    sum += l;
  }
  let lapSum = 0, lapSq = 0, n = 0;
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      const lap = luma[i - 1] + luma[i + 1] + luma[i - size] + luma[i + size] - 4 * luma[i];
      lapSum += lap;
      lapSq += lap * lap;
      n++;
    }
  }
  const variance = lapSq / n - (lapSum / n) ** 2;
  const SHARPNESS_K = 300;
  return { Brightness: round2((sum / (size * size) / 255) * 100), Sharpness: round2(100 * (1 - Math.exp(-variance / SHARPNESS_K))) };
}

/**
 * Head pose in degrees, estimated from the five points (a geometric approximation, not a 3-D fit):
 * roll from the eye line, yaw from the nose's offset between the eyes, pitch from where the nose
 * sits between the eye line and the mouth.
 */
export function poseFromPoints(p: readonly Point[]): { Roll: number; Yaw: number; Pitch: number } {
  const [le, re, nose, ml, mr] = p;
  const roll = (Math.atan2(re[1] - le[1], re[0] - le[0]) * 180) / Math.PI;
  const eyeMid: Point = [(le[0] + re[0]) / 2, (le[1] + re[1]) / 2];
  const mouthMid: Point = [(ml[0] + mr[0]) / 2, (ml[1] + mr[1]) / 2];
  const eyeDist = Math.hypot(re[0] - le[0], re[1] - le[1]) || 1;
  // Express the nose in the face's own frame (undo roll).
  const c = Math.cos((-roll * Math.PI) / 180), s = Math.sin((-roll * Math.PI) / 180);
  const nx = (nose[0] - eyeMid[0]) * c - (nose[1] - eyeMid[1]) * s;
  const my = (mouthMid[0] - eyeMid[0]) * s + (mouthMid[1] - eyeMid[1]) * c;
  const ny = (nose[0] - eyeMid[0]) * s + (nose[1] - eyeMid[1]) * c;
  const yaw = (Math.asin(Math.max(-1, Math.min(1, nx / (eyeDist * 0.9)))) * 180) / Math.PI;
  // In a frontal face the nose tip sits ~45 % of the way from the eye line to the mouth.
  const ratio = my > 1e-6 ? ny / my : 0.45;
  const pitch = Math.max(-90, Math.min(90, (0.45 - ratio) * 180));
  return { Roll: round2(roll), Yaw: round2(yaw), Pitch: round2(pitch) };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
