import { GraphBuilder, attr } from '../onnx/index.js';
import { FACE_MEAN_RGB } from './faceRecognition.js';
import { Layers, type Feature, type LayerOptions } from './layers.js';
import { getWeight, type WeightMap } from './weights.js';

export const FACE_CROP_SIZE = 112;

/** Order of face-api's FaceExpressionNet outputs (FACE_EXPRESSION_LABELS). */
export const FACE_EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;

/**
 * face-api's FaceFeatureExtractor (4 dense blocks, 256 channels) or its tiny variant (3 dense
 * blocks, 128 channels): NHWC RGB 0..255 112×112 → [N, channels] bottleneck features.
 */
function featureExtractor(l: Layers, weights: WeightMap, tiny: boolean): string {
  let x = l.normalize(l.imageInput('image', 'batch', FACE_CROP_SIZE, FACE_CROP_SIZE), FACE_MEAN_RGB, 255);
  const blocks = tiny ? 3 : 4;
  const convsPerBlock = tiny ? 3 : 4;
  for (let b = 0; b < blocks; b++) x = denseBlock(l, weights, x, `dense${b}`, convsPerBlock, b === 0);
  x = l.avgPool(x, tiny ? 14 : 7, 2);
  return l.flattenNhwc(x);
}

/**
 * A stride-2 dense block: every later conv reads the ReLU of the sum of all earlier outputs,
 * and the block returns the ReLU of the sum of all of them.
 */
function denseBlock(l: Layers, weights: WeightMap, x: Feature, prefix: string, convs: number, isFirst: boolean): Feature {
  const first = isFirst
    ? l.conv(x, { filter: getWeight(weights, `${prefix}/conv0/filters`), bias: getWeight(weights, `${prefix}/conv0/bias`).values, stride: 2, padding: 'same' })
    : l.separable(x, separableWeights(weights, `${prefix}/conv0`), 2, 'same');
  const outputs = [l.relu(first)];
  let sum = outputs[0];
  for (let i = 1; i < convs; i++) {
    const input = i === 1 ? outputs[0] : l.relu(sum);
    const out = l.separable(input, separableWeights(weights, `${prefix}/conv${i}`), 1, 'same');
    outputs.push(out);
    sum = sumRightNested(l, outputs);
  }
  return l.relu(sum);
}

// face-api adds as out1 + (out2 + (out3 + out4)); keeping its association keeps float results identical.
function sumRightNested(l: Layers, features: readonly Feature[]): Feature {
  let acc = features[features.length - 1];
  for (let i = features.length - 2; i >= 0; i--) acc = l.add(features[i], acc);
  return acc;
}

export function separableWeights(weights: WeightMap, prefix: string) {
  return {
    depthwise: getWeight(weights, `${prefix}/depthwise_filter`),
    pointwise: getWeight(weights, `${prefix}/pointwise_filter`),
    bias: getWeight(weights, `${prefix}/bias`).values,
  };
}

/** Landmarks as [N, 68, 2] (x, y) in 0..1 of the 112×112 crop. */
export function buildFaceLandmark68(weights: WeightMap, options: LayerOptions, tiny: boolean): Uint8Array {
  const g = new GraphBuilder(tiny ? 'faceapi_face_landmark_68_tiny' : 'faceapi_face_landmark_68');
  const l = new Layers(g, options);
  const features = featureExtractor(l, weights, tiny);
  const fc = l.dense(features, getWeight(weights, 'fc/weights', [tiny ? 128 : 256, 136]), getWeight(weights, 'fc/bias').values);
  g.op('Reshape', [fc, g.int64('shape', [-1, 68, 2])], {}, 'landmarks');
  g.output('landmarks', ['batch', 68, 2]);
  return g.encode({ docString: `face-api FaceLandmark68${tiny ? 'Tiny' : ''}Net converted by facerec` });
}

/** Softmax probabilities [N, 7] in FACE_EXPRESSIONS order. */
export function buildFaceExpression(weights: WeightMap, options: LayerOptions): Uint8Array {
  const g = new GraphBuilder('faceapi_face_expression');
  const l = new Layers(g, options);
  const features = featureExtractor(l, weights, false);
  const fc = l.dense(features, getWeight(weights, 'fc/weights', [256, 7]), getWeight(weights, 'fc/bias').values);
  g.op('Softmax', [fc], { axis: attr.int(1) }, 'expressions');
  g.output('expressions', ['batch', FACE_EXPRESSIONS.length]);
  return g.encode({ docString: 'face-api FaceExpressionNet converted by facerec' });
}
