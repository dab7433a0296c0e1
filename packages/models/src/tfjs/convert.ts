import { GraphBuilder, type Node } from '../onnx/index.js';
import type { TfGraphModel, TfNode, TfTensor } from './load.js';
import { EMITTERS, UnsupportedOpError, onnxType, type Ctx, type Value } from './ops.js';
import { optimizeGraph } from './passes.js';
import { repairFusedReluPrelu } from './repair.js';
import type { Dim } from './shapes.js';

export interface OutputSpec {
  /** tfjs tensor name ("node" or "node:0"). */
  tensor: string;
  /** Name of the ONNX graph output. */
  name: string;
}

export interface TranslateOptions {
  /** ONNX name of each placeholder (default: the placeholder's own name). */
  inputNames?: Record<string, string>;
  /** Name of the symbolic dimension used where the original has -1 in the first axis. */
  batchName?: string;
  /**
   * Undo the tfjs converter's fusing of a PReLU's Relu into the conv before it (mobilefacenet's
   * depthwise convs), which zeroes the PReLU's negative branch. Changes what the model computes.
   */
  repairFusedRelu?: boolean;
}

export interface ConvertOptions extends TranslateOptions {
  graphName?: string;
  /** Graph outputs; default: the signature's outputs, else every sink node, named after it. */
  outputs?: readonly OutputSpec[];
  /** Run the rewrite passes (PReLU/Clip fusion, Identity removal, dead code); default true. */
  optimize?: boolean;
  docString?: string;
  metadata?: Record<string, string>;
}

/** Looks up (translating on first use) the ONNX value of a tfjs tensor. */
export type ValueLookup = (tensor: string) => Value;

class Translator implements Ctx {
  private readonly byName: Map<string, TfNode>;
  private readonly values = new Map<string, Value>();
  private readonly inProgress = new Set<string>();

  constructor(readonly g: GraphBuilder, readonly model: TfGraphModel, private readonly options: TranslateOptions) {
    this.byName = new Map(model.nodes.map((n) => [n.name, n]));
  }

  value(ref: string): Value {
    const name = nodeName(ref);
    const known = this.values.get(name);
    if (known) return known;
    const node = this.byName.get(name);
    if (!node) throw new UnsupportedOpError(`tensor ${ref} is not produced by any node`);
    if (this.inProgress.has(name)) throw new UnsupportedOpError(`cycle through ${name}`);
    this.inProgress.add(name);
    const v = this.translate(node);
    this.inProgress.delete(name);
    this.values.set(name, v);
    return v;
  }

  private translate(n: TfNode): Value {
    if (n.op === 'Const') {
      const t = this.weight(n.name);
      return { name: this.initializer(t, n.name), shape: t.shape };
    }
    if (n.op === 'Placeholder') return this.placeholder(n);
    const emit = EMITTERS[n.op];
    if (!emit) throw new UnsupportedOpError(`op ${n.op} (${n.name}) is not supported`);
    const v = emit(this, n);
    this.nameAfter(n, v);
    return v;
  }

  /** Gives the node's final ONNX tensor the tfjs node's name, which keeps graphs readable. */
  private nameAfter(n: TfNode, v: Value): void {
    const last = this.g.nodes[this.g.nodes.length - 1];
    if (!last || last.outputs[0] !== v.name) return;
    const name = this.g.unique(n.name);
    last.outputs[0] = name;
    v.name = name;
  }

  private placeholder(n: TfNode): Value {
    const spec = this.model.inputs.find((i) => i.name === n.name);
    if (!spec) throw new UnsupportedOpError(`placeholder ${n.name} without a shape`);
    const batch = this.options.batchName ?? 'batch';
    const shape: Dim[] = spec.shape.map((d, i) => (d >= 0 ? d : i === 0 ? batch : `${n.name}_dim${i}`));
    const name = this.options.inputNames?.[n.name] ?? n.name;
    return { name: this.g.input(name, shape), shape };
  }

  private weight(name: string): TfTensor {
    const t = this.model.weights.get(name);
    if (!t) throw new UnsupportedOpError(`Const ${name} has no weight in the manifest`);
    return t;
  }

  input(n: TfNode, i: number): Value {
    return this.value(this.inputRef(n, i));
  }

  constant(n: TfNode, i: number): TfTensor {
    const ref = this.inputRef(n, i);
    const producer = this.byName.get(nodeName(ref));
    if (producer?.op !== 'Const') throw new UnsupportedOpError(`${n.op} ${n.name}: input ${i} must be a constant`);
    return this.weight(producer.name);
  }

  isConstant(n: TfNode, i: number): boolean {
    return this.byName.get(nodeName(this.inputRef(n, i)))?.op === 'Const';
  }

  initializer(t: TfTensor, prefix: string): string {
    return this.g.constant(prefix, t.shape, t.values, onnxType(t));
  }

  private inputRef(n: TfNode, i: number): string {
    const data = n.input.filter((ref) => !ref.startsWith('^'));
    const ref = data[i];
    if (ref === undefined) throw new UnsupportedOpError(`${n.op} ${n.name}: missing input ${i}`);
    return ref;
  }
}

/** "node:0" and "node" name the same tensor; the ops we translate have one output each. */
function nodeName(ref: string): string {
  const m = /^(.*):(\d+)$/.exec(ref);
  if (!m) return ref;
  if (m[2] !== '0') throw new UnsupportedOpError(`multi-output tensor ${ref} is not supported`);
  return m[1]!;
}

/** Translates the tfjs graph into `g` lazily: only tensors that are asked for get nodes. */
export function translateGraph(model: TfGraphModel, g: GraphBuilder, options: TranslateOptions = {}): ValueLookup {
  const source = options.repairFusedRelu ? repairFusedReluPrelu(model).model : model;
  const t = new Translator(g, source, options);
  return (tensor) => t.value(tensor);
}

/** Tensors nothing consumes: a model's outputs when it has no signature. */
export function sinkTensors(model: TfGraphModel): string[] {
  const consumed = new Set(model.nodes.flatMap((n) => n.input.map((i) => nodeName(i.replace(/^\^/, '')))));
  return model.nodes.filter((n) => n.op !== 'Const' && !consumed.has(n.name)).map((n) => n.name);
}

export function defaultOutputs(model: TfGraphModel): OutputSpec[] {
  const tensors = model.signatureOutputs.length > 0 ? model.signatureOutputs : sinkTensors(model);
  return tensors.map((tensor) => ({ tensor, name: nodeName(tensor) }));
}

/**
 * Declares `value` as graph output `name`: the producing node is renamed so no Identity is
 * needed; a graph input or initializer gets an Identity because ONNX cannot alias them.
 */
export function exposeOutput(g: GraphBuilder, value: Value, name: string): void {
  if (value.name !== name && g.unique(name) !== name) throw new UnsupportedOpError(`output name ${name} is already a tensor of the graph`);
  const producer = g.nodes.find((n) => n.outputs.includes(value.name));
  if (!producer) g.op('Identity', [value.name], {}, name);
  else if (value.name !== name) renameTensor(g.nodes, value.name, name);
  g.output(name, value.shape);
}

function renameTensor(nodes: Node[], from: string, to: string): void {
  for (const n of nodes) {
    n.inputs = n.inputs.map((i) => (i === from ? to : i));
    n.outputs = n.outputs.map((o) => (o === from ? to : o));
  }
}

/** The ONNX graph of a tfjs model, outputs declared and rewrite passes applied, not yet encoded. */
export function buildOnnxGraph(model: TfGraphModel, options: ConvertOptions = {}): GraphBuilder {
  const g = new GraphBuilder(options.graphName ?? 'tfjs');
  const lookup = translateGraph(model, g, options);
  const outputs = options.outputs ?? defaultOutputs(model);
  // Translate everything before renaming: later lookups must not see pre-rename names.
  const values = outputs.map((o) => lookup(o.tensor));
  outputs.forEach((o, i) => exposeOutput(g, values[i]!, o.name));
  if (options.optimize !== false) optimizeGraph(g);
  return g;
}

/** Converts a tfjs graph model to ONNX bytes that compute the same outputs from the same NHWC input. */
export function convertGraphModel(model: TfGraphModel, options: ConvertOptions = {}): Uint8Array {
  return encodeGraph(buildOnnxGraph(model, options), options);
}

export function encodeGraph(g: GraphBuilder, options: Pick<ConvertOptions, 'docString' | 'metadata'>): Uint8Array {
  return g.encode({ producer: 'facerec-models/tfjs', docString: options.docString, metadata: options.metadata });
}
