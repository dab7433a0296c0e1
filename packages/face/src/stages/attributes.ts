import { warpAffineToTensor, type RgbImage } from '../image/rgb.js';
import type { Point } from '../geometry/similarity.js';
import type { OnnxModel } from '../runtime/session.js';
import type { FaceAttributes } from '../types.js';

/** face-api's expression classes, in its output order, and their Rekognition emotion names. */
const EXPRESSIONS: readonly [string, string][] = [
  ['neutral', 'CALM'],
  ['happy', 'HAPPY'],
  ['sad', 'SAD'],
  ['angry', 'ANGRY'],
  ['fearful', 'FEAR'],
  ['disgusted', 'DISGUSTED'],
  ['surprised', 'SURPRISED'],
];

/**
 * The square face crop the attribute models were trained on (face-api crops the box of the 68
 * landmarks, padded to a square): estimated from the five points — centred between the eyes and the
 * mouth, about 2.2 eye distances wide.
 */
export function attributeCrop(points: readonly Point[]): { x0: number; y0: number; side: number } {
  const [le, re, , ml, mr] = points;
  const eye: Point = [(le[0] + re[0]) / 2, (le[1] + re[1]) / 2];
  const mouth: Point = [(ml[0] + mr[0]) / 2, (ml[1] + mr[1]) / 2];
  const eyeDist = Math.hypot(re[0] - le[0], re[1] - le[1]);
  const eyeMouth = Math.hypot(mouth[0] - eye[0], mouth[1] - eye[1]);
  const side = 2.2 * Math.max(eyeDist, eyeMouth * 1.3);
  const cx = (eye[0] + mouth[0]) / 2;
  const cy = (eye[1] + mouth[1]) / 2;
  return { x0: cx - side / 2, y0: cy - side / 2, side };
}

function cropBatch(img: RgbImage, faces: readonly (readonly Point[])[], size: number): Float32Array {
  const batch = new Float32Array(faces.length * size * size * 3);
  faces.forEach((points, i) => {
    const { x0, y0, side } = attributeCrop(points);
    const k = side / size;
    warpAffineToTensor(img, [k, 0, x0, 0, k, y0], size, size, batch, i * size * size * 3);
  });
  return batch;
}

/** Age range, gender, emotions and smile from face-api's age-gender and expression models. */
export async function estimateAttributes(
  img: RgbImage,
  faces: readonly (readonly Point[])[],
  models: { ageGender?: { model: OnnxModel; size: number }; expression?: { model: OnnxModel; size: number } },
): Promise<FaceAttributes[]> {
  const out: FaceAttributes[] = faces.map(() => ({}));
  if (faces.length === 0) return out;
  if (models.ageGender) {
    const s = models.ageGender.size;
    const r = await models.ageGender.model.run(cropBatch(img, faces, s), [faces.length, s, s, 3]);
    faces.forEach((_, i) => {
      const age = Math.max(0, r.age.data[i]);
      const spread = 3 + age * 0.1;
      const male = r.gender.data[i * 2];
      const female = r.gender.data[i * 2 + 1];
      out[i].AgeRange = { Low: Math.max(0, Math.floor(age - spread)), High: Math.ceil(age + spread) };
      out[i].Gender = { Value: male >= female ? 'Male' : 'Female', Confidence: round(Math.max(male, female) * 100) };
    });
  }
  if (models.expression) {
    const s = models.expression.size;
    const r = await models.expression.model.run(cropBatch(img, faces, s), [faces.length, s, s, 3]);
    faces.forEach((_, i) => {
      const probs = EXPRESSIONS.map((_, k) => r.expressions.data[i * EXPRESSIONS.length + k]);
      out[i].Emotions = EXPRESSIONS.map(([, name], k) => ({ Type: name, Confidence: round(probs[k] * 100) })).sort((a, b) => b.Confidence - a.Confidence);
      const happy = probs[1];
      out[i].Smile = { Value: happy >= 0.5, Confidence: round(Math.max(happy, 1 - happy) * 100) };
    });
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
