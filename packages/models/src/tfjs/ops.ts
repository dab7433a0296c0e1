import { DataType, attr, type Attribute, type GraphBuilder } from '../onnx/index.js';
import type { TfAttr, TfNode, TfTensor } from './load.js';
import { broadcast, normaliseAxis, reshapeTarget, samePads, windowOutput, type Dim } from './shapes.js';
import { convFilterToOnnx, depthwiseFilterToOnnx, intValues, transposeTensor } from './tensor.js';

/** A tensor in the ONNX graph being built, with its statically inferred shape. */
export interface Value {
  name: string;
  shape: Dim[];
}

/** What an op translator may ask of the graph translation around it. */
export interface Ctx {
  g: GraphBuilder;
  input(n: TfNode, i: number): Value;
  /** The Const feeding input i, or throws if that input is computed. */
  constant(n: TfNode, i: number): TfTensor;
  isConstant(n: TfNode, i: number): boolean;
  /** A Const as a graph initializer in its own layout. */
  initializer(t: TfTensor, prefix: string): string;
}

export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
}

export type Emitter = (ctx: Ctx, n: TfNode) => Value;

const TO_NCHW = attr.ints([0, 3, 1, 2]);
const TO_NHWC = attr.ints([0, 2, 3, 1]);

// --- attribute access (tfjs stores strings base64-encoded) ---

function attrOf(n: TfNode, key: string): TfAttr | undefined {
  return n.attr[key];
}

export function attrString(n: TfNode, key: string, fallback?: string): string {
  const s = attrOf(n, key)?.s;
  if (s === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UnsupportedOpError(`${n.op} ${n.name}: missing attribute ${key}`);
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

export function attrStrings(n: TfNode, key: string): string[] {
  return (attrOf(n, key)?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

function attrInts(n: TfNode, key: string, fallback: number[]): number[] {
  const list = attrOf(n, key)?.list?.i;
  return list && list.length > 0 ? list.map(Number) : fallback;
}

function attrInt(n: TfNode, key: string, fallback: number): number {
  const v = attrOf(n, key)?.i;
  return v === undefined ? fallback : Number(v);
}

function attrBool(n: TfNode, key: string): boolean {
  return attrOf(n, key)?.b === true;
}

function attrFloat(n: TfNode, key: string, fallback: number): number {
  return attrOf(n, key)?.f ?? fallback;
}

function requireNhwc(n: TfNode): void {
  const format = attrString(n, 'data_format', 'NHWC');
  if (format !== 'NHWC') throw new UnsupportedOpError(`${n.op} ${n.name}: data_format ${format}`);
}

function scalar(g: GraphBuilder, prefix: string, v: number): string {
  return g.float(prefix, [], [v]);
}

// --- convolution and pooling: NHWC kept outside, NCHW inside a Transpose pair ---

interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  outH: Dim;
  outW: Dim;
}

function spatialWindow(n: TfNode, x: Value, kernel: [number, number], stridesKey: string): Window {
  const s = attrInts(n, stridesKey, [1, 1, 1, 1]);
  const d = attrInts(n, 'dilations', [1, 1, 1, 1]);
  const strides: [number, number] = [s[1]!, s[2]!];
  const dilations: [number, number] = [d[1]!, d[2]!];
  const padding = attrString(n, 'padding');
  const [h, w] = [x.shape[1]!, x.shape[2]!];
  if (padding === 'VALID') {
    return { kernel, strides, dilations, pads: [0, 0, 0, 0], outH: windowOutput(h, kernel[0], strides[0], dilations[0], 'VALID'), outW: windowOutput(w, kernel[1], strides[1], dilations[1], 'VALID') };
  }
  if (padding === 'SAME') {
    if (typeof h !== 'number' || typeof w !== 'number') throw new UnsupportedOpError(`${n.name}: SAME padding needs a static height and width`);
    const [top, bottom] = samePads(h, kernel[0], strides[0], dilations[0]);
    const [left, right] = samePads(w, kernel[1], strides[1], dilations[1]);
    return { kernel, strides, dilations, pads: [top, left, bottom, right], outH: Math.ceil(h / strides[0]), outW: Math.ceil(w / strides[1]) };
  }
  if (padding === 'EXPLICIT') {
    const p = attrInts(n, 'explicit_paddings', []);
    if (p.length !== 8) throw new UnsupportedOpError(`${n.name}: explicit_paddings must have 8 entries`);
    const [top, bottom, left, right] = [p[2]!, p[3]!, p[4]!, p[5]!];
    return {
      kernel, strides, dilations, pads: [top, left, bottom, right],
      outH: windowOutput(h, kernel[0], strides[0], dilations[0], 'VALID', top + bottom),
      outW: windowOutput(w, kernel[1], strides[1], dilations[1], 'VALID', left + right),
    };
  }
  throw new UnsupportedOpError(`${n.name}: padding ${padding}`);
}

function windowAttrs(win: Window): Record<string, Attribute> {
  return { kernel_shape: attr.ints(win.kernel), strides: attr.ints(win.strides), pads: attr.ints(win.pads) };
}

/** Conv2D, DepthwiseConv2dNative and their fused forms (bias + activation). */
function conv(depthwise: boolean): Emitter {
  return (ctx, n) => {
    requireNhwc(n);
    const { g } = ctx;
    const x = ctx.input(n, 0);
    const w = ctx.constant(n, 1);
    const [kh, kw, inC, outPer] = w.shape as [number, number, number, number];
    const win = spatialWindow(n, x, [kh, kw], 'strides');
    const filter = depthwise ? depthwiseFilterToOnnx(w) : convFilterToOnnx(w);
    const outC = depthwise ? inC * outPer : outPer;
    const inputs = [g.op('Transpose', [x.name], { perm: TO_NCHW }), ctx.initializer(filter, 'filter')];
    const fused = attrStrings(n, 'fused_ops');
    if (fused[0] === 'BiasAdd') inputs.push(ctx.initializer(ctx.constant(n, 2), 'bias'));
    else if (fused.length > 0) throw new UnsupportedOpError(`${n.name}: fused_ops ${fused.join(',')}`);
    const convAttrs = { ...windowAttrs(win), dilations: attr.ints(win.dilations), group: attr.int(depthwise ? inC : 1) };
    const y = g.op('Transpose', [g.op('Conv', inputs, convAttrs)], { perm: TO_NHWC });
    return activations(ctx, n, { name: y, shape: [x.shape[0]!, win.outH, win.outW, outC] }, fused.slice(1), 3);
  };
}

function pool(onnxOp: 'MaxPool' | 'AveragePool'): Emitter {
  return (ctx, n) => {
    requireNhwc(n);
    const x = ctx.input(n, 0);
    const k = attrInts(n, 'ksize', []);
    if (k[0] !== 1 || k[3] !== 1) throw new UnsupportedOpError(`${n.name}: pooling across batch or channels`);
    const win = spatialWindow(n, x, [k[1]!, k[2]!], 'strides');
    // TF averages only over real pixels at the border; count_include_pad=0 matches that.
    const p = ctx.g.op(onnxOp, [ctx.g.op('Transpose', [x.name], { perm: TO_NCHW })], windowAttrs(win));
    return { name: ctx.g.op('Transpose', [p], { perm: TO_NHWC }), shape: [x.shape[0]!, win.outH, win.outW, x.shape[3]!] };
  };
}

/** Activations fused into a conv or matmul; `argIndex` is where extra arguments (PReLU alpha) start. */
function activations(ctx: Ctx, n: TfNode, v: Value, ops: string[], argIndex: number): Value {
  let out = v;
  let arg = argIndex;
  for (const op of ops) {
    if (op === 'Prelu') out = { name: ctx.g.op('PRelu', [out.name, ctx.input(n, arg++).name]), shape: out.shape };
    else out = { name: unaryActivation(ctx.g, op, out.name, attrFloat(n, 'leakyrelu_alpha', 0.2), n), shape: out.shape };
  }
  return out;
}

function unaryActivation(g: GraphBuilder, op: string, x: string, leakyAlpha: number, n: TfNode): string {
  switch (op) {
    case 'Relu':
      return g.op('Relu', [x]);
    case 'Relu6':
      return g.op('Clip', [x, scalar(g, 'zero', 0), scalar(g, 'six', 6)]);
    case 'Elu':
    case 'Sigmoid':
    case 'Tanh':
      return g.op(op, [x]);
    case 'LeakyRelu':
      return g.op('LeakyRelu', [x], { alpha: attr.float(leakyAlpha) });
    default:
      throw new UnsupportedOpError(`${n.name}: fused activation ${op}`);
  }
}

// --- matrix multiplication ---

function matmul(ctx: Ctx, n: TfNode): Value {
  const { g } = ctx;
  const a = ctx.input(n, 0);
  if (attrBool(n, 'transpose_a')) throw new UnsupportedOpError(`${n.name}: transpose_a`);
  let b: Value;
  if (ctx.isConstant(n, 1)) {
    const w = ctx.constant(n, 1);
    const t = attrBool(n, 'transpose_b') ? transposeTensor(w, [1, 0]) : w;
    b = { name: ctx.initializer(t, 'weights'), shape: t.shape };
  } else {
    const raw = ctx.input(n, 1);
    b = attrBool(n, 'transpose_b') ? { name: g.op('Transpose', [raw.name], { perm: attr.ints([1, 0]) }), shape: [raw.shape[1]!, raw.shape[0]!] } : raw;
  }
  const shape = [...a.shape.slice(0, -1), b.shape[b.shape.length - 1]!];
  const fused = attrStrings(n, 'fused_ops');
  if (fused.length > 0 && fused[0] !== 'BiasAdd') throw new UnsupportedOpError(`${n.name}: fused_ops ${fused.join(',')}`);
  const bias = fused[0] === 'BiasAdd' ? ctx.input(n, 2).name : undefined;
  let y: string;
  if (a.shape.length === 2 && b.shape.length === 2) y = g.op('Gemm', bias ? [a.name, b.name, bias] : [a.name, b.name]);
  else {
    y = g.op('MatMul', [a.name, b.name]);
    if (bias) y = g.op('Add', [y, bias]);
  }
  return activations(ctx, n, { name: y, shape }, fused.slice(1), 3);
}

// --- element-wise ---

function binary(onnxOp: string): Emitter {
  return (ctx, n) => {
    const a = ctx.input(n, 0);
    const b = ctx.input(n, 1);
    return { name: ctx.g.op(onnxOp, [a.name, b.name]), shape: broadcast(a.shape, b.shape) };
  };
}

function unary(build: (g: GraphBuilder, x: string, n: TfNode) => string): Emitter {
  return (ctx, n) => {
    const x = ctx.input(n, 0);
    return { name: build(ctx.g, x.name, n), shape: x.shape };
  };
}

const simple = (op: string) => unary((g, x) => g.op(op, [x]));

// --- shape manipulation ---

function reshape(ctx: Ctx, n: TfNode): Value {
  const x = ctx.input(n, 0);
  const target = intValues(ctx.constant(n, 1));
  const shape = reshapeTarget(x.shape, target);
  return { name: ctx.g.op('Reshape', [x.name, ctx.g.int64('shape', target)]), shape };
}

function squeeze(ctx: Ctx, n: TfNode): Value {
  const x = ctx.input(n, 0);
  const rank = x.shape.length;
  const listed = attrInts(n, 'squeeze_dims', attrInts(n, 'axis', []));
  const axes = listed.length > 0 ? listed.map((a) => normaliseAxis(a, rank)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  return { name: ctx.g.op('Squeeze', [x.name, ctx.g.int64('axes', axes)]), shape };
}

function expandDims(ctx: Ctx, n: TfNode): Value {
  const x = ctx.input(n, 0);
  const axis = normaliseAxis(intValues(ctx.constant(n, 1))[0]!, x.shape.length + 1);
  const shape = [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)];
  return { name: ctx.g.op('Unsqueeze', [x.name, ctx.g.int64('axes', [axis])]), shape };
}

function pad(ctx: Ctx, n: TfNode): Value {
  const x = ctx.input(n, 0);
  const p = intValues(ctx.constant(n, 1));
  const rank = x.shape.length;
  const before = Array.from({ length: rank }, (_, i) => p[2 * i]!);
  const after = Array.from({ length: rank }, (_, i) => p[2 * i + 1]!);
  const inputs = [x.name, ctx.g.int64('pads', [...before, ...after])];
  if (n.op === 'PadV2') inputs.push(ctx.input(n, 2).name);
  const shape = x.shape.map((d, i) => (typeof d === 'number' ? d + before[i]! + after[i]! : d));
  return { name: ctx.g.op('Pad', inputs, { mode: attr.string('constant') }), shape };
}

function concat(ctx: Ctx, n: TfNode): Value {
  const count = n.input.filter((i) => !i.startsWith('^')).length - 1;
  const parts = Array.from({ length: count }, (_, i) => ctx.input(n, i));
  const axis = normaliseAxis(intValues(ctx.constant(n, count))[0]!, parts[0]!.shape.length);
  const shape = [...parts[0]!.shape];
  const sizes = parts.map((p) => p.shape[axis]!);
  shape[axis] = sizes.every((s) => typeof s === 'number') ? (sizes as number[]).reduce((a, b) => a + b, 0) : `concat_${n.name}`;
  return { name: ctx.g.op('Concat', parts.map((p) => p.name), { axis: attr.int(axis) }), shape };
}

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/** StridedSlice with begin/end/shrink masks (no ellipsis or new axes, positive strides). */
function stridedSlice(ctx: Ctx, n: TfNode): Value {
  const x = ctx.input(n, 0);
  const [begin, end, step] = [1, 2, 3].map((i) => intValues(ctx.constant(n, i))) as [number[], number[], number[]];
  if (attrInt(n, 'ellipsis_mask', 0) !== 0 || attrInt(n, 'new_axis_mask', 0) !== 0) {
    throw new UnsupportedOpError(`${n.name}: ellipsis/new-axis masks`);
  }
  const [beginMask, endMask, shrinkMask] = ['begin_mask', 'end_mask', 'shrink_axis_mask'].map((k) => attrInt(n, k, 0)) as [number, number, number];
  const starts: number[] = [];
  const ends: number[] = [];
  const shrink: number[] = [];
  const shape = [...x.shape];
  for (let i = 0; i < begin.length; i++) {
    if (step[i]! <= 0) throw new UnsupportedOpError(`${n.name}: non-positive stride`);
    const isShrink = (shrinkMask >> i) & 1;
    const s = (beginMask >> i) & 1 ? 0 : begin[i]!;
    let e = (endMask >> i) & 1 ? INT64_MAX : end[i]!;
    if (isShrink) {
      e = s === -1 ? INT64_MAX : s + 1;
      shrink.push(i);
    }
    starts.push(s);
    ends.push(e);
    shape[i] = sliceLength(x.shape[i]!, s, e, step[i]!);
  }
  const axes = begin.map((_, i) => i);
  const g = ctx.g;
  let y = g.op('Slice', [x.name, g.int64('starts', starts), g.int64('ends', ends), g.int64('axes', axes), g.int64('steps', step)]);
  if (shrink.length > 0) y = g.op('Squeeze', [y, g.int64('axes', shrink)]);
  return { name: y, shape: shape.filter((_, i) => !shrink.includes(i)) };
}

function sliceLength(size: Dim, start: number, end: number, step: number): Dim {
  if (typeof size === 'string') return start === 0 && end === INT64_MAX && step === 1 ? size : `slice_of_${size}`;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  return Math.max(Math.ceil((clamp(end) - clamp(start)) / step), 0);
}

function reduce(onnxOp: 'ReduceMean' | 'ReduceSum' | 'ReduceMax'): Emitter {
  return (ctx, n) => {
    const x = ctx.input(n, 0);
    const rank = x.shape.length;
    const axes = intValues(ctx.constant(n, 1)).map((a) => normaliseAxis(a, rank));
    const keep = attrBool(n, 'keep_dims');
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const keepdims = attr.int(keep ? 1 : 0);
    // Opset 17: ReduceSum takes axes as an input, ReduceMean/ReduceMax still as an attribute.
    const name = onnxOp === 'ReduceSum'
      ? ctx.g.op(onnxOp, [x.name, ctx.g.int64('axes', axes)], { keepdims })
      : ctx.g.op(onnxOp, [x.name], { axes: attr.ints(axes), keepdims });
    return { name, shape };
  };
}

const identity: Emitter = (ctx, n) => {
  const x = ctx.input(n, 0);
  return { name: ctx.g.op('Identity', [x.name]), shape: x.shape };
};

export const EMITTERS: Readonly<Record<string, Emitter>> = {
  Conv2D: conv(false),
  _FusedConv2D: conv(false),
  DepthwiseConv2dNative: conv(true),
  FusedDepthwiseConv2dNative: conv(true),
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  MatMul: matmul,
  _FusedMatMul: matmul,
  Add: binary('Add'),
  AddV2: binary('Add'),
  BiasAdd: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Prelu: binary('PRelu'),
  Relu: simple('Relu'),
  Abs: simple('Abs'),
  Sigmoid: simple('Sigmoid'),
  Tanh: simple('Tanh'),
  Elu: simple('Elu'),
  Exp: simple('Exp'),
  Neg: simple('Neg'),
  Sqrt: simple('Sqrt'),
  Relu6: unary((g, x, n) => unaryActivation(g, 'Relu6', x, 0, n)),
  LeakyRelu: unary((g, x, n) => unaryActivation(g, 'LeakyRelu', x, attrFloat(n, 'alpha', 0.2), n)),
  Square: unary((g, x) => g.op('Mul', [x, x])),
  Rsqrt: unary((g, x) => g.op('Reciprocal', [g.op('Sqrt', [x])])),
  Softmax: unary((g, x) => g.op('Softmax', [x], { axis: attr.int(-1) })),
  Identity: identity,
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Pad: pad,
  PadV2: pad,
  ConcatV2: concat,
  StridedSlice: stridedSlice,
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
};

/** ONNX element type for a decoded tfjs constant. */
export function onnxType(t: TfTensor): DataType {
  return t.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT;
}
