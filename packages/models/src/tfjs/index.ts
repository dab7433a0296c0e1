export { loadGraphModel, halfToFloat, TfModelError, type TfGraphModel, type TfNode, type TfTensor, type TfPlaceholder } from './load.js';
export {
  buildOnnxGraph,
  convertGraphModel,
  defaultOutputs,
  encodeGraph,
  exposeOutput,
  translateGraph,
  type ConvertOptions,
  type OutputSpec,
  type TranslateOptions,
  type ValueLookup,
} from './convert.js';
export { UnsupportedOpError, type Value } from './ops.js';
export { optimizeGraph, dropIdentity, foldChannelAffineIntoConv, fuseClipChains, fuseDecomposedPrelu, fuseMaxMinPrelu, eliminateDeadCode, type PassStats } from './passes.js';
export { repairFusedReluPrelu, type RepairResult } from './repair.js';
export { appendBlazeFaceDecoding, blazeFaceAnchors, convertBlazeFace, BLAZEFACE_KEYPOINTS, BlazeFaceError, type BlazeFaceOptions } from './blazeface.js';
export { tfjsModels, CONVERTER_VERSION } from './catalog.js';
