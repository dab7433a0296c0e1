import type { ComparedFace, CompareFacesMatch, CompareFacesResponse } from '@aws-sdk/client-rekognition';
import { InvalidParameterError } from '@facerec/core';
import type { ImageAnalysis } from '@facerec/face';
import { toBoundingBox, toComparedFace } from './face-detail.js';
import { cosine, type SimilarityScale } from './similarity.js';

/**
 * CompareFaces: the largest face of the source against every face of the target. Matches at or
 * above `threshold` (0–100) come first, most similar first; the rest are UnmatchedFaces.
 */
export function compareFaces(source: ImageAnalysis, target: ImageAnalysis, threshold: number, scale: SimilarityScale): CompareFacesResponse {
  const sourceFace = source.faces[0];
  if (!sourceFace?.embedding) throw new InvalidParameterError('Request has invalid parameters: no face was detected in the source image');
  const matches: CompareFacesMatch[] = [];
  const unmatched: ComparedFace[] = [];
  for (const face of target.faces) {
    if (!face.embedding) continue;
    const similarity = scale.similarity(cosine(sourceFace.embedding, face.embedding));
    if (similarity >= threshold) matches.push({ Similarity: similarity, Face: toComparedFace(face) });
    else unmatched.push(toComparedFace(face));
  }
  matches.sort((a, b) => (b.Similarity ?? 0) - (a.Similarity ?? 0));
  return {
    SourceImageFace: { BoundingBox: toBoundingBox(sourceFace), Confidence: Number(sourceFace.Confidence.toFixed(4)) },
    FaceMatches: matches,
    UnmatchedFaces: unmatched,
    SourceImageOrientationCorrection: source.orientationCorrection,
    TargetImageOrientationCorrection: target.orientationCorrection,
  };
}
