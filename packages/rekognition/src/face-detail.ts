import type { BoundingBox, ComparedFace, FaceDetail } from '@aws-sdk/client-rekognition';
import type { AnalyzedFace } from '@facerec/face';

export type AttributeSet = 'DEFAULT' | 'ALL';

const round = (v: number, digits = 6): number => Number(v.toFixed(digits));

export function toBoundingBox(face: AnalyzedFace): BoundingBox {
  const b = face.BoundingBox;
  return { Width: round(b.Width), Height: round(b.Height), Left: round(b.Left), Top: round(b.Top) };
}

/**
 * A Rekognition FaceDetail. DEFAULT carries the box, confidence, pose, quality and landmarks; ALL
 * adds the attributes our models estimate (age range, gender, smile, emotions). Attributes we have
 * no model for (eyeglasses, beard, eye direction…) are left out rather than invented.
 */
export function toFaceDetail(face: AnalyzedFace, attributes: AttributeSet = 'DEFAULT'): FaceDetail {
  const detail: FaceDetail = {
    BoundingBox: toBoundingBox(face),
    Landmarks: face.Landmarks.map((l) => ({ Type: l.Type, X: round(l.X), Y: round(l.Y) })),
    Pose: face.Pose,
    Quality: face.Quality,
    Confidence: round(face.Confidence, 4),
  };
  if (attributes === 'ALL' && face.attributes) {
    const a = face.attributes;
    if (a.AgeRange) detail.AgeRange = a.AgeRange;
    if (a.Smile) detail.Smile = a.Smile;
    if (a.Gender) detail.Gender = a.Gender;
    if (a.Emotions) detail.Emotions = a.Emotions.map((e) => ({ Type: e.Type as NonNullable<FaceDetail['Emotions']>[number]['Type'], Confidence: round(e.Confidence, 4) }));
  }
  return detail;
}

/** The subset CompareFaces reports for each face. */
export function toComparedFace(face: AnalyzedFace): ComparedFace {
  const d = toFaceDetail(face, 'ALL');
  return { BoundingBox: d.BoundingBox, Confidence: d.Confidence, Landmarks: d.Landmarks, Pose: d.Pose, Quality: d.Quality, Emotions: d.Emotions, Smile: d.Smile };
}
