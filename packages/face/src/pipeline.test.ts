import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { prepareModels } from '@facerec/models';
import { loadEngineConfig } from './config.js';
import { FacePipeline } from './pipeline.js';
import { MODEL_SETS, modelIds } from './modelset.js';
import { sharedFace } from './testing.js';

const SET = MODEL_SETS['dlib-r34-v1'];
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('FacePipeline stage CPU and the selfie landmark passes', () => {
  let twoPass: FacePipeline;
  let onePass: FacePipeline;
  let seeded: FacePipeline;
  let selfie: Uint8Array;

  before(async () => {
    const config = loadEngineConfig();
    await prepareModels(modelIds(SET), config.modelCacheDir);
    twoPass = await FacePipeline.create(SET, { ...config, selfieLandmarkPasses: 2 });
    onePass = await FacePipeline.create(SET, { ...config, selfieLandmarkPasses: 1 });
    seeded = await FacePipeline.create(SET, { ...config, selfieLandmarkPasses: 'seeded' });
    selfie = new Uint8Array(await sharp(await sharedFace('dev/barack_obama/1.jpg')).resize(640, 640, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer());
  });

  after(async () => {
    await twoPass?.close();
    await onePass?.close();
    await seeded?.close();
  });

  test('without stageCpu, no per-stage CPU is measured', async () => {
    const a = await twoPass.analyze(selfie, { mode: 'selfie', embed: true, attributes: false });
    assert.equal(a.timings.stageCpuMs, undefined);
    assert.ok(a.timings.embedMs > 0);
  });

  test('timings.stageCpuMs names every stage that ran, with non-negative CPU, in run order', async () => {
    const a = await twoPass.analyze(selfie, { mode: 'selfie', embed: true, attributes: false, stageCpu: true });
    const stages = a.timings.stageCpuMs ?? {};
    assert.deepEqual(Object.keys(stages), ['decode', 'detect', 'landmarks', 'landmarks2', 'embed', 'quality', 'attributes']);
    assert.ok(Object.values(stages).every((ms) => ms >= 0));
    // onnxruntime runs the models on the calling thread: their CPU shows in these stages.
    assert.ok(stages.embed > 0 && stages.detect > 0);
  });

  test('one selfie landmark pass skips the second run and moves the embedding only slightly', async () => {
    const two = await twoPass.analyze(selfie, { mode: 'selfie', embed: true, attributes: false, stageCpu: true });
    const one = await onePass.analyze(selfie, { mode: 'selfie', embed: true, attributes: false, stageCpu: true });
    assert.equal(one.timings.stageCpuMs?.landmarks2, undefined);
    assert.equal(one.faces.length, 1);
    const cos = dot(one.faces[0].embedding!, two.faces[0].embedding!);
    assert.ok(cos > 0.98 && cos < 1 - 1e-6, `cosine between one- and two-pass selfie embeddings: ${cos}`);
  });

  test('album photos keep both passes whatever the selfie setting', async () => {
    const viaOne = await onePass.analyze(selfie, { mode: 'album', embed: true, attributes: false, maxFaces: 1, stageCpu: true });
    const viaTwo = await twoPass.analyze(selfie, { mode: 'album', embed: true, attributes: false, maxFaces: 1, stageCpu: true });
    assert.ok(viaOne.timings.stageCpuMs?.landmarks2 !== undefined);
    assert.deepEqual(Array.from(viaOne.faces[0].embedding!), Array.from(viaTwo.faces[0].embedding!));
  });

  test('seeded: one landmark pass on the selfie detector\'s seed box, close to two passes', async () => {
    const two = await twoPass.analyze(selfie, { mode: 'selfie', embed: true, attributes: false, stageCpu: true });
    const one = await seeded.analyze(selfie, { mode: 'selfie', embed: true, attributes: false, stageCpu: true });
    assert.equal(one.timings.stageCpuMs?.landmarks2, undefined, 'no second pass');
    const cos = dot(one.faces[0].embedding!, two.faces[0].embedding!);
    assert.ok(cos > 0.995 && cos < 1 - 1e-6, `cosine to two passes: ${cos}`);
    // Album photos have no seed (SSD has no calibration): both passes, as before.
    const album = await seeded.analyze(selfie, { mode: 'album', embed: true, attributes: false, maxFaces: 1, stageCpu: true });
    assert.ok(album.timings.stageCpuMs?.landmarks2 !== undefined);
  });

  test('FACEREC_SELFIE_LANDMARK_PASSES reads 2, seeded or 1 (default 2)', () => {
    assert.equal(loadEngineConfig({}).selfieLandmarkPasses, 2);
    assert.equal(loadEngineConfig({ FACEREC_SELFIE_LANDMARK_PASSES: 'seeded' }).selfieLandmarkPasses, 'seeded');
    assert.equal(loadEngineConfig({ FACEREC_SELFIE_LANDMARK_PASSES: '1' }).selfieLandmarkPasses, 1);
    assert.equal(loadEngineConfig({ FACEREC_SELFIE_LANDMARK_PASSES: '2' }).selfieLandmarkPasses, 2);
    assert.throws(() => loadEngineConfig({ FACEREC_SELFIE_LANDMARK_PASSES: '3' }));
  });
});
