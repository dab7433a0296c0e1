import { DataType, GraphBuilder, attr } from '../onnx/index.js';
import type { Weight } from './weights.js';

/** A feature map inside the graph, NCHW; the batch dimension is left to the graph's input. */
export interface Feature {
  name: string;
  c: number;
  h: number;
  w: number;
}

/**
 * How conv filters that ship as uint8 are stored in the ONNX file:
 * - 'float32': dequantised floats (largest file);
 * - 'dequantize-linear': uint8 + ONNX DequantizeLinear (~4x smaller; onnxruntime keeps the
 *   DequantizeLinear nodes and runs them on every inference);
 * - 'uint8-cast': uint8 + Cast → Sub(zero point) → Mul(scale), plain ops on constants that
 *   onnxruntime folds into float filters when the session is created (small file, float speed).
 */
export type WeightStorage = 'float32' | 'dequantize-linear' | 'uint8-cast';

export interface LayerOptions {
  weights: WeightStorage;
  /** Runs on the finished graph before it is encoded (quantization passes, calibration outputs). */
  rewrite?: (g: GraphBuilder) => void;
}

/** TF padding modes, or explicit symmetric zero padding of n pixels (then a 'valid' conv). */
export type Padding = 'same' | 'valid' | number;

export interface ConvSpec {
  /** tfjs layout: [kh, kw, in, out] for a conv, [kh, kw, channels, 1] for a depthwise conv. */
  filter: Weight;
  bias?: Float32Array;
  stride: number;
  padding: Padding;
  depthwise?: boolean;
  /** Per-output-channel factor folded into the filter (batch-norm / scale layers). */
  multiplier?: Float32Array;
}

export class LayerError extends Error {
  override readonly name = 'LayerError';
}

// Below this many elements a filter is stored as float32: the extra scale and zero-point
// tensors would cost more than they save.
const MIN_QUANTIZED_ELEMENTS = 256;

/**
 * Small layer vocabulary on top of GraphBuilder for face-api's networks. Shapes are tracked at
 * build time so that TF-style padding and face-api's shape fix-ups are decided while converting.
 */
export class Layers {
  constructor(
    readonly g: GraphBuilder,
    readonly options: LayerOptions,
  ) {}

  /** Declares an NHWC float input and returns it transposed to NCHW. */
  imageInput(name: string, batch: number | string, height: number, width: number): Feature {
    const x = this.g.input(name, [batch, height, width, 3]);
    return { name: this.g.op('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) }), c: 3, h: height, w: width };
  }

  /** (x - mean[c]) / divisor, the way face-api prepares pixels. */
  normalize(x: Feature, mean: readonly [number, number, number] | number, divisor: number): Feature {
    const m = typeof mean === 'number' ? [mean, mean, mean] : mean;
    const sub = this.g.op('Sub', [x.name, this.g.float('mean', [1, 3, 1, 1], m)]);
    return { ...x, name: this.g.op('Div', [sub, this.g.float('divisor', [], [divisor])]) };
  }

  conv(x: Feature, spec: ConvSpec): Feature {
    const [kh, kw, cin, cout] = spec.filter.shape;
    const depthwise = spec.depthwise ?? false;
    if (cin !== x.c) throw new LayerError(`${spec.filter.name}: expects ${cin} input channels, feature has ${x.c}`);
    if (depthwise && cout !== 1) throw new LayerError(`${spec.filter.name}: depthwise multiplier ${cout} unsupported`);
    const outChannels = depthwise ? cin : cout;
    const filter = this.filter(spec.filter, depthwise, spec.multiplier);
    const inputs = [x.name, filter];
    if (spec.bias) inputs.push(this.g.float(`${spec.filter.name}/bias`, [outChannels], spec.bias));
    const attrs = {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints([spec.stride, spec.stride]),
      group: attr.int(depthwise ? cin : 1),
      ...paddingAttrs(spec.padding),
    };
    const h = outSize(x.h, kh, spec.stride, spec.padding);
    const w = outSize(x.w, kw, spec.stride, spec.padding);
    return { name: this.g.op('Conv', inputs, attrs), c: outChannels, h, w };
  }

  /** tfjs separableConv2d + bias: depthwise 3x3 (stride, padding) then pointwise 1x1. */
  separable(x: Feature, weights: SeparableWeights, stride: number, padding: Padding): Feature {
    const dw = this.conv(x, { filter: weights.depthwise, stride, padding, depthwise: true });
    return this.conv(dw, { filter: weights.pointwise, bias: weights.bias, stride: 1, padding: 'valid' });
  }

  relu(x: Feature): Feature {
    return { ...x, name: this.g.op('Relu', [x.name]) };
  }

  leakyRelu(x: Feature, alpha: number): Feature {
    return { ...x, name: this.g.op('LeakyRelu', [x.name], { alpha: attr.float(alpha) }) };
  }

  clip(x: Feature, min: number, max: number): Feature {
    const lo = this.g.float('clip_min', [], [min]);
    const hi = this.g.float('clip_max', [], [max]);
    return { ...x, name: this.g.op('Clip', [x.name, lo, hi]) };
  }

  add(a: Feature, b: Feature): Feature {
    if (a.c !== b.c || a.h !== b.h || a.w !== b.w) {
      throw new LayerError(`add: shapes differ ${describe(a)} vs ${describe(b)}`);
    }
    return { ...a, name: this.g.op('Add', [a.name, b.name]) };
  }

  maxPool(x: Feature, kernel: number, stride: number, padding: 'same' | 'valid'): Feature {
    return this.pool('MaxPool', x, kernel, stride, padding);
  }

  avgPool(x: Feature, kernel: number, stride: number): Feature {
    return this.pool('AveragePool', x, kernel, stride, 'valid');
  }

  /** Zero padding appended at the bottom/right and on extra channels (face-api's residual fix-ups). */
  padEnd(x: Feature, extra: { c?: number; h?: number; w?: number }): Feature {
    const c = extra.c ?? 0;
    const h = extra.h ?? 0;
    const w = extra.w ?? 0;
    if (c === 0 && h === 0 && w === 0) return x;
    const pads = this.g.int64('pads', [0, 0, 0, 0, 0, c, h, w]);
    return { name: this.g.op('Pad', [x.name, pads], { mode: attr.string('constant') }), c: x.c + c, h: x.h + h, w: x.w + w };
  }

  /** [N, C, H, W] → [N, C*H*W] in NHWC element order, as tfjs's `as2D` of an NHWC tensor. */
  flattenNhwc(x: Feature): string {
    const src = x.h === 1 && x.w === 1 ? x.name : this.g.op('Transpose', [x.name], { perm: attr.ints([0, 2, 3, 1]) });
    return this.g.op('Flatten', [src], { axis: attr.int(1) });
  }

  toNhwc(x: Feature): string {
    return this.g.op('Transpose', [x.name], { perm: attr.ints([0, 2, 3, 1]) });
  }

  /** x [N, in] · W [in, out] + b; `outputName` names the result (e.g. a graph output). */
  dense(x: string, weights: Weight, bias?: Float32Array, outputName?: string): string {
    const [, out] = weights.shape;
    if (!bias) return this.g.op('MatMul', [x, this.matrix(weights)], {}, outputName);
    const mm = this.g.op('MatMul', [x, this.matrix(weights)]);
    return this.g.op('Add', [mm, this.g.float(`${weights.name}/bias`, [out], bias)], {}, outputName);
  }

  private pool(op: 'MaxPool' | 'AveragePool', x: Feature, kernel: number, stride: number, padding: 'same' | 'valid'): Feature {
    const attrs = { kernel_shape: attr.ints([kernel, kernel]), strides: attr.ints([stride, stride]), ...paddingAttrs(padding) };
    const h = outSize(x.h, kernel, stride, padding);
    const w = outSize(x.w, kernel, stride, padding);
    return { name: this.g.op(op, [x.name], attrs), c: x.c, h, w };
  }

  /** A conv filter in ONNX layout [out, in/group, kh, kw], possibly stored as uint8. */
  private filter(weight: Weight, depthwise: boolean, multiplier?: Float32Array): string {
    const [kh, kw, cin, cout] = weight.shape;
    // tfjs conv: [kh, kw, in, out] → [out, in, kh, kw]; depthwise: [kh, kw, c, 1] → [c, 1, kh, kw].
    const perm = depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1];
    const dims = depthwise ? [cin, 1, kh, kw] : [cout, cin, kh, kw];
    const q = weight.quantized;
    if (this.options.weights !== 'float32' && q?.zeroPoint !== undefined && q.data.length >= MIN_QUANTIZED_ELEMENTS) {
      const data = permute(q.data, weight.shape, perm);
      return this.dequantize(weight.name, dims, data, q.scale, q.zeroPoint, multiplier);
    }
    const values = permute(weight.values, weight.shape, perm);
    if (multiplier) scaleRows(values, multiplier);
    return this.g.float(weight.name, dims, values);
  }

  /**
   * Dense weights stay float32 (they are small here): onnxruntime rewrites DequantizeLinear →
   * MatMul into a dynamically quantised MatMul that also quantises the activations, which moved
   * dlib descriptors by ~2e-3 (0.4 % of their range).
   */
  private matrix(weight: Weight): string {
    return this.g.float(weight.name, weight.shape, weight.values);
  }

  /**
   * (q - zeroPoint) * scale, with a per-output-channel multiplier (batch-norm / scale folding)
   * folded into a per-row scale, so folding keeps the uint8 storage.
   */
  private dequantize(name: string, dims: readonly number[], data: Uint8Array, scale: number, zeroPoint: number, multiplier?: Float32Array): string {
    const q = this.g.constant(`${name}/q`, dims, data, DataType.UINT8);
    const rows = multiplier ? dims[0] : 1;
    const scales = multiplier ? Float32Array.from(multiplier, (m) => m * scale) : Float32Array.of(scale);
    if (this.options.weights === 'uint8-cast') {
      const centred = this.g.op('Sub', [this.g.op('Cast', [q], { to: attr.int(DataType.FLOAT) }), this.g.float(`${name}/zero_point`, [], [zeroPoint])]);
      const scaleDims = multiplier ? [rows, ...dims.slice(1).map(() => 1)] : [];
      return this.g.op('Mul', [centred, this.g.float(`${name}/scale`, scaleDims, scales)]);
    }
    const s = this.g.float(`${name}/scale`, multiplier ? [rows] : [], scales);
    const z = this.g.constant(`${name}/zero_point`, multiplier ? [rows] : [], new Uint8Array(rows).fill(zeroPoint), DataType.UINT8);
    return this.g.op('DequantizeLinear', [q, s, z], multiplier ? { axis: attr.int(0) } : {});
  }
}

export interface SeparableWeights {
  depthwise: Weight;
  pointwise: Weight;
  bias: Float32Array;
}

function paddingAttrs(padding: Padding): Record<string, ReturnType<typeof attr.ints> | ReturnType<typeof attr.string>> {
  // TF 'SAME' puts the odd extra pixel at the bottom/right, which is ONNX's SAME_UPPER.
  if (padding === 'same') return { auto_pad: attr.string('SAME_UPPER') };
  if (padding === 'valid') return { auto_pad: attr.string('VALID') };
  return { pads: attr.ints([padding, padding, padding, padding]) };
}

export function outSize(size: number, kernel: number, stride: number, padding: Padding): number {
  if (padding === 'same') return Math.ceil(size / stride);
  if (padding === 'valid') return Math.ceil((size - kernel + 1) / stride);
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

function describe(f: Feature): string {
  return `[${f.c},${f.h},${f.w}]`;
}

/** Transposes a dense row-major tensor. */
export function permute<T extends Float32Array | Uint8Array>(src: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const srcStrides = stridesOf(shape);
  const stepOf = perm.map((p) => srcStrides[p]);
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[from];
    // Odometer increment over the output's dimensions, tracking the matching source offset.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      from += stepOf[d];
      if (index[d] < outShape[d]) break;
      from -= stepOf[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Multiplies row r (the leading axis) of a row-major tensor by factors[r]. */
function scaleRows(values: Float32Array, factors: Float32Array): void {
  const rowSize = values.length / factors.length;
  for (let i = 0; i < values.length; i++) values[i] *= factors[Math.floor(i / rowSize)];
}
