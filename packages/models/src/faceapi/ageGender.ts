import { GraphBuilder, attr } from '../onnx/index.js';
import { FACE_CROP_SIZE, separableWeights } from './faceFeatures.js';
import { FACE_MEAN_RGB } from './faceRecognition.js';
import { Layers, type Feature, type LayerOptions } from './layers.js';
import { getWeight, type WeightMap } from './weights.js';

const MAIN_BLOCKS = 2;

/**
 * face-api's AgeGenderNet (TinyXception with 2 middle blocks): NHWC RGB 0..255 112×112 in;
 * `age [N]` in years and `gender [N, 2]` softmax probabilities (index 0 male, 1 female) out.
 */
export function buildAgeGender(weights: WeightMap, options: LayerOptions): Uint8Array {
  const g = new GraphBuilder('faceapi_age_gender');
  const l = new Layers(g, options);
  let x = l.normalize(l.imageInput('image', 'batch', FACE_CROP_SIZE, FACE_CROP_SIZE), FACE_MEAN_RGB, 255);

  const convIn = { filter: getWeight(weights, 'entry_flow/conv_in/filters'), bias: getWeight(weights, 'entry_flow/conv_in/bias').values };
  x = l.relu(l.conv(x, { ...convIn, stride: 2, padding: 'same' }));
  x = reductionBlock(l, weights, x, 'entry_flow/reduction_block_0', false);
  x = reductionBlock(l, weights, x, 'entry_flow/reduction_block_1', true);
  for (let i = 0; i < MAIN_BLOCKS; i++) x = mainBlock(l, weights, x, `middle_flow/main_block_${i}`);
  x = reductionBlock(l, weights, x, 'exit_flow/reduction_block', true);
  x = l.relu(l.separable(x, separableWeights(weights, 'exit_flow/separable_conv'), 1, 'same'));

  const pooled = l.flattenNhwc(l.avgPool(x, 7, 2));
  const age = l.dense(pooled, getWeight(weights, 'fc/age/weights', [512, 1]), getWeight(weights, 'fc/age/bias').values);
  g.op('Reshape', [age, g.int64('shape', [-1])], {}, 'age');
  const gender = l.dense(pooled, getWeight(weights, 'fc/gender/weights', [512, 2]), getWeight(weights, 'fc/gender/bias').values);
  g.op('Softmax', [gender], { axis: attr.int(1) }, 'gender');
  g.output('age', ['batch']);
  g.output('gender', ['batch', 2]);
  return g.encode({ docString: 'face-api AgeGenderNet converted by facerec' });
}

/** Two separable convs and a 3×3/2 max pool, plus a strided 1×1 "expansion" shortcut. */
function reductionBlock(l: Layers, weights: WeightMap, x: Feature, prefix: string, activateInput: boolean): Feature {
  let out = activateInput ? l.relu(x) : x;
  out = l.separable(out, separableWeights(weights, `${prefix}/separable_conv0`), 1, 'same');
  out = l.separable(l.relu(out), separableWeights(weights, `${prefix}/separable_conv1`), 1, 'same');
  out = l.maxPool(out, 3, 2, 'same');
  const expansion = {
    filter: getWeight(weights, `${prefix}/expansion_conv/filters`),
    bias: getWeight(weights, `${prefix}/expansion_conv/bias`).values,
  };
  return l.add(out, l.conv(x, { ...expansion, stride: 2, padding: 'same' }));
}

function mainBlock(l: Layers, weights: WeightMap, x: Feature, prefix: string): Feature {
  let out = x;
  for (let i = 0; i < 3; i++) out = l.separable(l.relu(out), separableWeights(weights, `${prefix}/separable_conv${i}`), 1, 'same');
  return l.add(out, x);
}
