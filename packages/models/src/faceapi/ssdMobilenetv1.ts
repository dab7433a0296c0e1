import { GraphBuilder, attr } from '../onnx/index.js';
import { Layers, type Feature, type LayerOptions } from './layers.js';
import { getWeight, type WeightMap } from './weights.js';

export const SSD_SIZE = 512;
export const SSD_ANCHORS = 5118;

// tf.batchNorm's epsilon in face-api's MobileNetV1.
const BATCH_NORM_EPSILON = 0.0010000000474974513;
// Stride-2 depthwise layers of MobileNetV1.
const STRIDED_LAYERS = new Set([2, 4, 6, 12]);

/**
 * face-api's SsdMobilenetv1 face detector with its anchor decoding inside the graph:
 * NHWC RGB 0..255 512×512 (batch 1) in; `boxes [5118, 4]` (x1, y1, x2, y2, clipped to 0..1) and
 * `scores [5118]` (sigmoid face score) out. Non-maximum suppression is left to the caller.
 */
export function buildSsdMobilenetv1(weights: WeightMap, options: LayerOptions): Uint8Array {
  const g = new GraphBuilder('faceapi_ssd_mobilenetv1');
  const l = new Layers(g, options);
  const input = l.normalize(l.imageInput('image', 1, SSD_SIZE, SSD_SIZE), 127.5, 127.5);

  const { out, conv11 } = mobileNetV1(l, weights, input);
  const heads = predictionHeads(l, weights, out, conv11);
  const encodings = g.op('Concat', heads.map((h) => h.box), { axis: attr.int(0) });
  const classes = g.op('Concat', heads.map((h) => h.cls), { axis: attr.int(0) });

  decodeBoxes(g, encodings, getWeight(weights, 'Output/extra_dim', [1, SSD_ANCHORS, 4]).values);
  // Column 0 is the background logit, column 1 the face logit.
  const faceLogit = g.op('Slice', [classes, g.int64('starts', [1]), g.int64('ends', [2]), g.int64('axes', [1])]);
  g.op('Sigmoid', [g.op('Reshape', [faceLogit, g.int64('shape', [SSD_ANCHORS])])], {}, 'scores');
  g.output('boxes', [SSD_ANCHORS, 4]);
  g.output('scores', [SSD_ANCHORS]);
  return g.encode({ docString: 'face-api SsdMobilenetv1 (WIDER FACE) with anchor decoding, converted by facerec' });
}

/** conv (TF 'same') + batch-norm offset + ReLU6, face-api's "pointwiseConvLayer". */
function pointwise(l: Layers, weights: WeightMap, x: Feature, prefix: string, stride: number): Feature {
  const filter = getWeight(weights, `${prefix}/weights`);
  const bias = getWeight(weights, `${prefix}/convolution_bn_offset`).values;
  return l.clip(l.conv(x, { filter, bias, stride, padding: 'same' }), 0, 6);
}

/** Depthwise 3×3 + batch norm (folded into the filter) + ReLU6. */
function depthwise(l: Layers, weights: WeightMap, x: Feature, index: number, stride: number): Feature {
  const prefix = `MobilenetV1/Conv2d_${index}_depthwise`;
  const filter = getWeight(weights, `${prefix}/depthwise_weights`);
  const bn = (name: string) => getWeight(weights, `${prefix}/BatchNorm/${name}`).values;
  const [gamma, beta, mean, variance] = [bn('gamma'), bn('beta'), bn('moving_mean'), bn('moving_variance')];
  const multiplier = Float32Array.from(gamma, (gm, i) => gm / Math.sqrt(variance[i] + BATCH_NORM_EPSILON));
  const bias = Float32Array.from(beta, (b, i) => b - mean[i] * multiplier[i]);
  return l.clip(l.conv(x, { filter, bias, multiplier, stride, padding: 'same', depthwise: true }), 0, 6);
}

function mobileNetV1(l: Layers, weights: WeightMap, input: Feature): { out: Feature; conv11: Feature } {
  let out = pointwise(l, weights, input, 'MobilenetV1/Conv2d_0_pointwise', 2);
  let conv11 = out;
  for (let i = 1; i <= 13; i++) {
    out = depthwise(l, weights, out, i, STRIDED_LAYERS.has(i) ? 2 : 1);
    out = pointwise(l, weights, out, `MobilenetV1/Conv2d_${i}_pointwise`, 1);
    if (i === 11) conv11 = out;
  }
  return { out, conv11 };
}

interface Head {
  /** [anchors, 4] box encodings (ty, tx, th, tw). */
  box: string;
  /** [anchors, 3] class logits. */
  cls: string;
}

function predictionHeads(l: Layers, weights: WeightMap, x: Feature, conv11: Feature): Head[] {
  const layer = (input: Feature, i: number, stride: number) => pointwise(l, weights, input, `Prediction/Conv2d_${i}_pointwise`, stride);
  const conv0 = layer(x, 0, 1);
  const conv1 = layer(conv0, 1, 2);
  const conv3 = layer(layer(conv1, 2, 1), 3, 2);
  const conv5 = layer(layer(conv3, 4, 1), 5, 2);
  const conv7 = layer(layer(conv5, 6, 1), 7, 2);
  return [conv11, x, conv1, conv3, conv5, conv7].map((f, i) => boxPredictor(l, weights, f, i));
}

/** 1×1 convs whose NHWC outputs flatten to (y, x, anchor) order, as face-api's reshape does. */
function boxPredictor(l: Layers, weights: WeightMap, x: Feature, index: number): Head {
  const prefix = `Prediction/BoxPredictor_${index}`;
  const head = (name: string, width: number) => {
    const filter = getWeight(weights, `${prefix}/${name}/weights`);
    const bias = getWeight(weights, `${prefix}/${name}/biases`).values;
    const conv = l.conv(x, { filter, bias, stride: 1, padding: 'same' });
    return l.g.op('Reshape', [l.toNhwc(conv), l.g.int64('shape', [-1, width])]);
  };
  return { box: head('BoxEncodingPredictor', 4), cls: head('ClassPredictor', 3) };
}

/**
 * SSD box decoding (face-api's outputLayer): anchors are (y1, x1, y2, x2); centre offsets are
 * scaled by 1/10 and log-sizes by 1/5 of the anchor size. Computed in (x, y) order so the output
 * is x1, y1, x2, y2 directly.
 */
function decodeBoxes(g: GraphBuilder, encodings: string, anchors: Float32Array): void {
  const n = anchors.length / 4;
  const size = new Float32Array(n * 2);
  const centre = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const [y1, x1, y2, x2] = anchors.subarray(i * 4, i * 4 + 4);
    const [h, w] = [y2 - y1, x2 - x1];
    size.set([w, h], i * 2);
    centre.set([x1 + w / 2, y1 + h / 2], i * 2);
  }
  const xyFirst = g.op('Gather', [encodings, g.int64('xy_order', [1, 0, 3, 2])], { axis: attr.int(1) });
  const sizeT = g.float('anchor_size', [n, 2], size);
  const slice = (start: number) => g.op('Slice', [xyFirst, g.int64('starts', [start]), g.int64('ends', [start + 2]), g.int64('axes', [1])]);
  const offset = g.op('Div', [slice(0), g.float('ten', [], [10])]);
  const c = g.op('Add', [g.op('Mul', [offset, sizeT]), g.float('anchor_centre', [n, 2], centre)]);
  const logSize = g.op('Div', [slice(2), g.float('five', [], [5])]);
  const half = g.op('Div', [g.op('Mul', [g.op('Exp', [logSize]), sizeT]), g.float('two', [], [2])]);
  const corners = g.op('Concat', [g.op('Sub', [c, half]), g.op('Add', [c, half])], { axis: attr.int(1) });
  g.op('Clip', [corners, g.float('zero', [], [0]), g.float('one', [], [1])], {}, 'boxes');
}
