import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareModels } from '@facerec/models';
import { loadEngineConfig } from '../config.js';
import { FacePipeline } from '../pipeline.js';
import { MODEL_SETS, modelIds } from '../modelset.js';
import { sharedFace } from '../testing.js';

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);

describe('jitter test-time augmentation in the engine (dlib-r34-v3)', () => {
  let plain: FacePipeline;
  let jittered: FacePipeline;

  before(async () => {
    const config = loadEngineConfig();
    await prepareModels(modelIds(MODEL_SETS['dlib-r34-v3']), config.modelCacheDir);
    plain = await FacePipeline.create(MODEL_SETS['dlib-r34-v1'], config);
    jittered = await FacePipeline.create(MODEL_SETS['dlib-r34-v3'], config);
  });

  after(async () => {
    await plain?.close();
    await jittered?.close();
  });

  const embedding = async (p: FacePipeline, file: string, mode: 'selfie' | 'album'): Promise<Float32Array[]> => {
    const a = await p.analyze(await sharedFace(file), { mode, embed: true, attributes: false });
    return a.faces.map((f) => f.embedding as Float32Array);
  };

  test('a face\'s jittered vector is unit length, repeatable, near its plain vector but not equal to it', async () => {
    const [v] = await embedding(jittered, 'dev/barack_obama/1.jpg', 'selfie');
    const [again] = await embedding(jittered, 'dev/barack_obama/1.jpg', 'selfie');
    const [p] = await embedding(plain, 'dev/barack_obama/1.jpg', 'selfie');
    assert.ok(Math.abs(dot(v, v) - 1) < 1e-5);
    assert.deepEqual([...v], [...again]);
    const cos = dot(v, p);
    assert.ok(cos > 0.95 && cos < 0.9999, `cosine to the plain vector ${cos}`);
  });

  test('several faces in one photo each get their own views (view-major batch kept apart)', async () => {
    const many = await embedding(jittered, 'dev/_groups/two_people.jpg', 'album');
    const single = await embedding(plain, 'dev/_groups/two_people.jpg', 'album');
    assert.equal(many.length, 2);
    many.forEach((v, i) => assert.ok(dot(v, single[i]) > 0.95, `face ${i}`));
    assert.ok(dot(many[0], many[1]) < 0.9, 'the two people stay apart');
  });
});
