import { GraphBuilder } from '../onnx/index.js';
import { Layers, type Feature, type LayerOptions, type Padding } from './layers.js';
import { getWeight, type WeightMap } from './weights.js';

export const FACE_RECOGNITION_SIZE = 150;

/** face-api subtracts this mean (RGB, 0..255) and divides by 255 before the first conv. */
export const FACE_MEAN_RGB = [122.782, 117.001, 104.298] as const;

/**
 * face-api's FaceRecognitionNet (dlib's ResNet-34 face descriptor): NHWC RGB 0..255 150×150 in,
 * 128-d descriptor out. Every dlib "scale" layer folds into the conv before it.
 */
export function buildFaceRecognition(weights: WeightMap, options: LayerOptions): Uint8Array {
  const g = new GraphBuilder('faceapi_face_recognition');
  const l = new Layers(g, options);
  const size = FACE_RECOGNITION_SIZE;
  let x = l.normalize(l.imageInput('image', 'batch', size, size), FACE_MEAN_RGB, 255);

  x = l.relu(scaledConv(l, weights, x, 'conv32_down', 2, 'valid'));
  x = l.maxPool(x, 3, 2, 'valid');
  for (const block of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(l, weights, x, block);
  x = residualDown(l, weights, x, 'conv64_down');
  for (const block of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(l, weights, x, block);
  x = residualDown(l, weights, x, 'conv128_down');
  for (const block of ['conv128_1', 'conv128_2']) x = residual(l, weights, x, block);
  x = residualDown(l, weights, x, 'conv256_down');
  for (const block of ['conv256_1', 'conv256_2']) x = residual(l, weights, x, block);
  x = residualDown(l, weights, x, 'conv256_down_out');

  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [x.name])]);
  l.dense(pooled, getWeight(weights, 'fc', [x.c, 128]), undefined, 'embedding');
  g.output('embedding', ['batch', 128]);
  options.rewrite?.(g);
  return g.encode({ docString: 'face-api FaceRecognitionNet (dlib ResNet-34) converted by facerec' });
}

/** conv + bias, then dlib's per-channel scale layer (x * weights + biases), folded together. */
function scaledConv(l: Layers, weights: WeightMap, x: Feature, prefix: string, stride: number, padding: Padding): Feature {
  const filter = getWeight(weights, `${prefix}/conv/filters`);
  const bias = getWeight(weights, `${prefix}/conv/bias`).values;
  const scale = getWeight(weights, `${prefix}/scale/weights`).values;
  const shift = getWeight(weights, `${prefix}/scale/biases`).values;
  const foldedBias = Float32Array.from(bias, (b, i) => b * scale[i] + shift[i]);
  return l.conv(x, { filter, bias: foldedBias, multiplier: scale, stride, padding });
}

function residual(l: Layers, weights: WeightMap, x: Feature, prefix: string): Feature {
  let out = l.relu(scaledConv(l, weights, x, `${prefix}/conv1`, 1, 'same'));
  out = scaledConv(l, weights, out, `${prefix}/conv2`, 1, 'same');
  return l.relu(l.add(out, x));
}

/**
 * Strided residual block. As in face-api, the shortcut is a 2×2 average pool; when the conv
 * path comes out one pixel smaller it gets a zero row/column appended, and when the pool has
 * fewer channels it gets zero channels appended.
 */
function residualDown(l: Layers, weights: WeightMap, x: Feature, prefix: string): Feature {
  let out = l.relu(scaledConv(l, weights, x, `${prefix}/conv1`, 2, 'valid'));
  out = scaledConv(l, weights, out, `${prefix}/conv2`, 1, 'same');
  let pooled = l.avgPool(x, 2, 2);
  out = l.padEnd(out, { h: pooled.h - out.h, w: pooled.w - out.w });
  pooled = l.padEnd(pooled, { c: out.c - pooled.c });
  return l.relu(l.add(pooled, out));
}
