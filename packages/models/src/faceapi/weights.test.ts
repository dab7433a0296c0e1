import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFaceApi, referenceWeightMap } from './reference.js';
import { getWeight, loadFaceApiWeights, loadWeightManifest, sourceFilesOf, WeightManifestError, type FaceApiModelName } from './weights.js';

const MODELS: FaceApiModelName[] = [
  'face_recognition_model',
  'ssd_mobilenetv1_model',
  'face_landmark_68_model',
  'face_landmark_68_tiny_model',
  'age_gender_model',
  'face_expression_model',
  'tiny_face_detector_model',
];

describe('weight manifest loader', () => {
  test('dequantises every face-api weight exactly as tfjs decodeWeights does', async () => {
    const { tf } = await loadFaceApi();
    for (const model of MODELS) {
      const ours = await loadFaceApiWeights(model);
      const reference = await referenceWeightMap(tf, model);
      assert.deepEqual([...ours.keys()].sort(), Object.keys(reference).sort(), model);
      for (const [name, weight] of ours) {
        const expected = reference[name];
        assert.deepEqual(weight.shape, expected.shape, `${model} ${name} shape`);
        assert.deepEqual(weight.values, Float32Array.from(expected.dataSync()), `${model} ${name} values`);
      }
    }
  });

  test('records an exact zero point only when -min/scale is an integer', async () => {
    const weights = await loadFaceApiWeights('face_recognition_model');
    const filter = getWeight(weights, 'conv32_down/conv/filters', [7, 7, 3, 32]);
    assert.ok(filter.quantized?.zeroPoint !== undefined);
    const { data, scale, zeroPoint } = filter.quantized;
    for (let i = 0; i < 50; i++) assert.ok(Math.abs((data[i] - zeroPoint) * scale - filter.values[i]) < 1e-6);
    // dlib scale weights are all positive (min > 0), so zero is not representable.
    assert.equal(getWeight(weights, 'conv32_down/scale/weights').quantized?.zeroPoint, undefined);
  });

  test('sourceFilesOf lists the manifest and its shard', async () => {
    assert.deepEqual(await sourceFilesOf('tiny_face_detector_model'), [
      'model/tiny_face_detector_model-weights_manifest.json',
      'model/tiny_face_detector_model.bin',
    ]);
  });

  test('rejects a manifest whose shards are shorter than it claims, and wrong shapes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'faceapi-weights-'));
    try {
      const manifest = [{ paths: ['w.bin'], weights: [{ name: 'a', shape: [2, 2], dtype: 'float32' }] }];
      await writeFile(path.join(dir, 'm.json'), JSON.stringify(manifest));
      await writeFile(path.join(dir, 'w.bin'), new Uint8Array(12));
      await assert.rejects(loadWeightManifest(path.join(dir, 'm.json')), WeightManifestError);
      await writeFile(path.join(dir, 'w.bin'), new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
      const weights = await loadWeightManifest(path.join(dir, 'm.json'));
      assert.deepEqual(Array.from(getWeight(weights, 'a', [2, 2]).values), [1, 2, 3, 4]);
      assert.throws(() => getWeight(weights, 'a', [4]), WeightManifestError);
      assert.throws(() => getWeight(weights, 'b'), WeightManifestError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
