export { toFaceDetail, toComparedFace, toBoundingBox, type AttributeSet } from './face-detail.js';
export { compareFaces } from './compare.js';
export { cosine, SimilarityScale } from './similarity.js';
export { CALIBRATIONS } from './calibrations.js';
