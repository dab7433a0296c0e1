export * from "./onnx/index.js";
export { packageFile, type ModelSpec, type ModelIO, type TensorIO } from "./spec.js";
export { ensureModel, loadCachedModel, verifyModelFile, ModelChecksumError, type CacheRecord, type EnsuredModel } from './cache.js';
export { MODEL_CATALOG, modelSpec, prepareModels } from './catalog.js';
export { buildFaceRecognitionCalibration, type CalibrationModel } from './faceapi/faceRecognitionQ8.js';
