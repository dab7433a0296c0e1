import { DataType, encodeModel, type Attribute, type Node, type Tensor, type TensorValues, type ValueInfo } from './model.js';

/** ONNX opset our converters target (onnxruntime-node 1.30 supports it fully). */
export const OPSET = 17;

/**
 * Builds an ONNX graph node by node. Names are made unique per builder, so converters can
 * use readable prefixes ("conv1/weights") without tracking collisions.
 */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();

  constructor(readonly name: string) {}

  /** A fresh tensor name starting with `prefix`. */
  unique(prefix: string): string {
    let name = prefix;
    for (let i = 1; this.used.has(name); i++) name = `${prefix}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, shape: readonly (number | string)[], elemType: DataType = DataType.FLOAT): string {
    this.used.add(name);
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  output(name: string, shape: readonly (number | string)[], elemType: DataType = DataType.FLOAT): string {
    this.outputs.push({ name, elemType, shape });
    return name;
  }

  /** Adds an initializer (a weight) and returns its name. */
  constant(prefix: string, dims: readonly number[], values: TensorValues, dataType?: DataType): string {
    const name = this.unique(prefix);
    this.initializers.push({ name, dims, values, dataType: dataType ?? inferType(values) });
    return name;
  }

  float(prefix: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.constant(prefix, dims, Float32Array.from(values), DataType.FLOAT);
  }

  int64(prefix: string, values: readonly number[]): string {
    return this.constant(prefix, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))), DataType.INT64);
  }

  /** Adds a node with one output and returns that output's name. */
  op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, outputName?: string): string {
    const out = outputName ?? this.unique(`${opType.toLowerCase()}`);
    if (outputName) this.used.add(outputName);
    this.nodes.push({ opType, inputs, outputs: [out], name: this.unique(`n_${out}`), attributes });
    return out;
  }

  /** Adds a node with several outputs. */
  opMulti(opType: string, inputs: string[], outputCount: number, attributes: Record<string, Attribute> = {}): string[] {
    const outs = Array.from({ length: outputCount }, () => this.unique(opType.toLowerCase()));
    this.nodes.push({ opType, inputs, outputs: outs, name: this.unique(`n_${outs[0]}`), attributes });
    return outs;
  }

  encode(options: { producer?: string; docString?: string; metadata?: Record<string, string> } = {}): Uint8Array {
    return encodeModel({
      graphName: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      opset: OPSET,
      producer: options.producer ?? 'facerec-models',
      docString: options.docString,
      metadata: options.metadata,
    });
  }
}

function inferType(values: TensorValues): DataType {
  if (values instanceof Float32Array) return DataType.FLOAT;
  if (values instanceof Int32Array) return DataType.INT32;
  if (values instanceof BigInt64Array) return DataType.INT64;
  if (values instanceof Uint8Array) return DataType.UINT8;
  if (values instanceof Int8Array) return DataType.INT8;
  return DataType.FLOAT16;
}
