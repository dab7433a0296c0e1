export * from './face-api.js';
export { createFaceService } from './service.js';
export type { FaceServiceDeps } from './context.js';
export { imageIdFor } from './context.js';
export { qualityReasons, type QualityReason } from './quality-filter.js';
export { MAX_BYTES_INLINE, MAX_BYTES_S3 } from './images.js';
export { blobImageSource } from './blob-image-source.js';
