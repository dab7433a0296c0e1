import { GraphBuilder, attr } from '../onnx/index.js';
import { defaultOutputs, encodeGraph, translateGraph } from './convert.js';
import { optimizeGraph } from './passes.js';
import type { TfGraphModel } from './load.js';
import type { Value } from './ops.js';

/**
 * BlazeFace's SSD anchors (MediaPipe face detection, both the 128² front and 256² back model):
 * a grid with stride size/16 and 2 anchors per cell, then one with stride size/8 and 6 per cell,
 * each anchor centred in its cell, row by row. Returns [count, 2] (x, y) centres in 0..1.
 */
export function blazeFaceAnchors(inputSize: number): Float32Array {
  const layers = [
    { stride: inputSize / 16, perCell: 2 },
    { stride: inputSize / 8, perCell: 6 },
  ];
  const out: number[] = [];
  for (const { stride, perCell } of layers) {
    const cells = Math.ceil(inputSize / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) out.push((x + 0.5) / cells, (y + 0.5) / cells);
      }
    }
  }
  return Float32Array.from(out);
}

/** Number of (x, y) pairs in one regressor row: box centre, box size, then 6 keypoints. */
const PAIRS = 8;
export const BLAZEFACE_KEYPOINTS = ['rightEye', 'leftEye', 'noseTip', 'mouthCenter', 'rightEarTragion', 'leftEarTragion'] as const;

export class BlazeFaceError extends Error {
  override name = 'BlazeFaceError';
}

/**
 * Appends the anchor decoding to a translated BlazeFace graph. The raw outputs are per-layer
 * logits [1, n, 1] and regressors [1, n, 16] holding, in input pixels relative to the anchor
 * centre, box centre (x, y), box size (w, h) and 6 keypoints (x, y).
 */
export function appendBlazeFaceDecoding(g: GraphBuilder, logits: readonly Value[], regressors: readonly Value[], inputSize: number): void {
  const anchors = blazeFaceAnchors(inputSize);
  const count = anchors.length / 2;
  const anchorCount = (vs: readonly Value[]) => vs.reduce((s, v) => s + Number(v.shape[1]), 0);
  if (anchorCount(logits) !== count || anchorCount(regressors) !== count) {
    throw new BlazeFaceError(`expected ${count} anchors, model has ${anchorCount(logits)} / ${anchorCount(regressors)}`);
  }
  const concat = (vs: readonly Value[]) => (vs.length === 1 ? vs[0]!.name : g.op('Concat', vs.map((v) => v.name), { axis: attr.int(1) }));

  const flatLogits = g.op('Reshape', [concat(logits), g.int64('shape', [count])]);
  g.op('Sigmoid', [flatLogits], {}, 'scores');
  g.output('scores', [count]);

  const pairs = g.op('Reshape', [concat(regressors), g.int64('shape', [count, PAIRS, 2])]);
  const scaled = g.op('Mul', [pairs, g.float('inv_size', [], [1 / inputSize])]);
  const points = g.op('Add', [scaled, g.float('anchor_offsets', [count, PAIRS, 2], anchorOffsets(anchors))]);

  const slice = (from: number, to: number) => g.op('Slice', [points, g.int64('starts', [from]), g.int64('ends', [to]), g.int64('axes', [1])]);
  const centre = slice(0, 1);
  const half = g.op('Mul', [slice(1, 2), g.float('half', [], [0.5])]);
  const corners = g.op('Concat', [g.op('Sub', [centre, half]), g.op('Add', [centre, half])], { axis: attr.int(1) });
  g.op('Reshape', [corners, g.int64('shape', [count, 4])], {}, 'boxes');
  g.output('boxes', [count, 4]);

  g.op('Slice', [points, g.int64('starts', [2]), g.int64('ends', [PAIRS]), g.int64('axes', [1])], {}, 'keypoints');
  g.output('keypoints', [count, PAIRS - 2, 2]);
}

/** The anchor centre added to every pair except the box size (pair 1). */
function anchorOffsets(anchors: Float32Array): Float32Array {
  const count = anchors.length / 2;
  const out = new Float32Array(count * PAIRS * 2);
  for (let a = 0; a < count; a++) {
    for (let p = 0; p < PAIRS; p++) {
      if (p === 1) continue;
      out[(a * PAIRS + p) * 2] = anchors[2 * a]!;
      out[(a * PAIRS + p) * 2 + 1] = anchors[2 * a + 1]!;
    }
  }
  return out;
}

/** The raw outputs of a BlazeFace tfjs model, split into logits and regressors, largest grid first. */
export function blazeFaceHeads(model: TfGraphModel, lookup: (t: string) => Value): { logits: Value[]; regressors: Value[] } {
  const values = defaultOutputs(model).map((o) => lookup(o.tensor));
  const byAnchors = (a: Value, b: Value) => Number(b.shape[1]) - Number(a.shape[1]);
  const logits = values.filter((v) => v.shape[2] === 1).sort(byAnchors);
  const regressors = values.filter((v) => v.shape[2] === 2 * PAIRS).sort(byAnchors);
  if (logits.length === 0 || logits.length !== regressors.length) throw new BlazeFaceError('outputs are not BlazeFace logits/regressors');
  return { logits, regressors };
}

/**
 * BlazeFace with decoding in the graph: input [1, size, size, 3] RGB in -1..1; outputs
 * `boxes` [N, 4] (x1, y1, x2, y2), `keypoints` [N, 6, 2] (x, y), both in 0..1 of the input,
 * and `scores` [N] (sigmoid), one row per anchor. No NMS: that stays with the caller.
 */
export interface BlazeFaceOptions {
  inputName?: string;
  optimize?: boolean;
  docString?: string;
  metadata?: Record<string, string>;
}

export function convertBlazeFace(model: TfGraphModel, options: BlazeFaceOptions = {}): Uint8Array {
  const input = model.inputs[0];
  if (!input || input.shape[1] !== input.shape[2]) throw new BlazeFaceError('BlazeFace needs one square NHWC input');
  const g = new GraphBuilder('blazeface');
  const lookup = translateGraph(model, g, { inputNames: { [input.name]: options.inputName ?? 'input' } });
  const { logits, regressors } = blazeFaceHeads(model, lookup);
  appendBlazeFaceDecoding(g, logits, regressors, input.shape[1]!);
  if (options.optimize !== false) optimizeGraph(g);
  return encodeGraph(g, { docString: options.docString, metadata: options.metadata });
}
