import { GraphBuilder, attr } from '../onnx/index.js';
import { separableWeights } from './faceFeatures.js';
import { LayerError, Layers, type Feature, type LayerOptions } from './layers.js';
import { getWeight, type WeightMap } from './weights.js';

export const TINY_FACE_DETECTOR_SIZE = 416;

/** face-api's tiny face detector constants (tinyFaceDetector/const.ts): anchor (w, h) in cells. */
export const TINY_FACE_ANCHORS: readonly (readonly [number, number])[] = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
const MEAN_RGB = [117.001, 114.697, 97.404] as const;
// face-api's leaky(): relu(x - 0.1x) + 0.1x with float32 0.1, i.e. a leaky ReLU.
const LEAKY_ALPHA = 0.10000000149011612;

/** Grid cells per side for a square input (a 3×3 valid conv, then five 2×2 'same' pools). */
export function tinyGridSize(inputSize: number): number {
  let s = inputSize - 2;
  for (let i = 0; i < 5; i++) s = Math.ceil(s / 2);
  return s;
}

/**
 * face-api's TinyFaceDetector (a separable-conv YOLOv2 with 5 anchors) with the YOLO decoding in
 * the graph: NHWC RGB 0..255 (batch 1) in; `boxes [cells²·5, 4]` x1, y1, x2, y2 clipped to 0..1
 * and `scores [cells²·5]` (sigmoid objectness) out, in (row, column, anchor) order. No NMS.
 */
export function buildTinyFaceDetector(weights: WeightMap, options: LayerOptions, inputSize = TINY_FACE_DETECTOR_SIZE): Uint8Array {
  const g = new GraphBuilder('faceapi_tiny_face_detector');
  const l = new Layers(g, options);
  let x = l.normalize(l.imageInput('image', 1, inputSize, inputSize), MEAN_RGB, 255);

  const conv0 = { filter: getWeight(weights, 'conv0/filters'), bias: getWeight(weights, 'conv0/bias').values };
  x = l.leakyRelu(l.conv(x, { ...conv0, stride: 1, padding: 'valid' }), LEAKY_ALPHA);
  x = l.maxPool(x, 2, 2, 'same');
  for (let i = 1; i <= 5; i++) {
    x = l.leakyRelu(l.separable(x, separableWeights(weights, `conv${i}`), 1, 1), LEAKY_ALPHA);
    x = l.maxPool(x, 2, i < 5 ? 2 : 1, 'same');
  }
  const conv8 = { filter: getWeight(weights, 'conv8/filters', [1, 1, 512, 25]), bias: getWeight(weights, 'conv8/bias').values };
  const grid = l.conv(x, { ...conv8, stride: 1, padding: 'valid' });
  if (grid.h !== tinyGridSize(inputSize)) throw new LayerError(`tiny face detector: grid ${grid.h} for input ${inputSize}`);

  decodeGrid(l, grid);
  const count = grid.h * grid.w * TINY_FACE_ANCHORS.length;
  g.output('boxes', [count, 4]);
  g.output('scores', [count]);
  return g.encode({ docString: `face-api TinyFaceDetector (${inputSize}×${inputSize}) with YOLO decoding, converted by facerec` });
}

/** face-api's extractBoxes, vectorised over all cells and anchors. */
function decodeGrid(l: Layers, grid: Feature): void {
  const { g } = l;
  const cells = grid.h;
  const anchors = TINY_FACE_ANCHORS.length;
  const n = cells * cells * anchors;
  const cellOffset = new Float32Array(n * 2);
  const anchorSize = new Float32Array(n * 2);
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < anchors; a++) {
        const i = (row * cells + col) * anchors + a;
        cellOffset.set([col, row], i * 2);
        anchorSize.set(TINY_FACE_ANCHORS[a], i * 2);
      }
    }
  }
  const rows = g.op('Reshape', [l.toNhwc(grid), g.int64('shape', [n, 5])]);
  const slice = (start: number, end: number) => g.op('Slice', [rows, g.int64('starts', [start]), g.int64('ends', [end]), g.int64('axes', [1])]);
  const numCells = g.float('cells', [], [cells]);
  const centre = g.op('Div', [g.op('Add', [g.float('cell_offset', [n, 2], cellOffset), g.op('Sigmoid', [slice(0, 2)])]), numCells]);
  const size = g.op('Div', [g.op('Mul', [g.op('Exp', [slice(2, 4)]), g.float('anchor_size', [n, 2], anchorSize)]), numCells]);
  const topLeft = g.op('Sub', [centre, g.op('Div', [size, g.float('two', [], [2])])]);
  const corners = g.op('Concat', [topLeft, g.op('Add', [topLeft, size])], { axis: attr.int(1) });
  g.op('Clip', [corners, g.float('zero', [], [0]), g.float('one', [], [1])], {}, 'boxes');
  g.op('Sigmoid', [g.op('Reshape', [slice(4, 5), g.int64('score_shape', [n])])], {}, 'scores');
}
