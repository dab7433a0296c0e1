export { ProtoWriter } from './protobuf.js';
export { DataType, attr, encodeModel, type Attribute, type Node, type Tensor, type TensorValues, type ValueInfo } from './model.js';
export { GraphBuilder, OPSET } from './graph.js';
