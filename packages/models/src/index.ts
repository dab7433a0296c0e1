export * from "./onnx/index.js";
export { packageFile, type ModelSpec, type ModelIO, type TensorIO } from "./spec.js";
