export * from './types.js';
export { loadEngineConfig, type EngineConfig } from './config.js';
export { MODEL_SETS, DEFAULT_MODEL_SET, embeddingDim, modelIds, type ModelSet, type EmbedderRef, type ModelRef } from './modelset.js';
export { FacePipeline } from './pipeline.js';
export { PooledFaceEngine, resolveModelSet } from './engine.js';
export { decodeImage, type DecodedImage, type DecodeOptions } from './image/decode.js';
export { l2normalize } from './stages/embed.js';
export { WorkerPool } from './pool/pool.js';
export { OnnxModel } from './runtime/session.js';
