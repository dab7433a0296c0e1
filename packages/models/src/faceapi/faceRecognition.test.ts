import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import { buildFaceRecognition, FACE_RECOGNITION_SIZE } from './faceRecognition.js';
import { loadFaceApi, referenceNet, toNetInput, type FaceApi, type ForwardNet } from './reference.js';
import { compare, createSession, faceCrop, randomPixels, runImage } from './testing.js';
import { loadFaceApiWeights } from './weights.js';
import type { Tensor2D } from '@tensorflow/tfjs';

const S = FACE_RECOGNITION_SIZE;

describe('face-recognition (dlib ResNet-34) ONNX', () => {
  let session: ort.InferenceSession;
  let faceApi: FaceApi;
  let reference: ForwardNet<Tensor2D>;

  before(async () => {
    const weights = await loadFaceApiWeights('face_recognition_model');
    session = await createSession(buildFaceRecognition(weights, { weights: 'uint8-cast' }));
    faceApi = await loadFaceApi();
    reference = await referenceNet(faceApi.FaceRecognitionNet, 'face_recognition_model');
  });

  async function referenceEmbeddings(data: Float32Array, batch: number): Promise<Float32Array> {
    const out = await reference.forward(toNetInput(faceApi.tf, data, batch, S, S));
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  test('matches face-api on a seeded random batch of 2 and a real face', async (t) => {
    const photo = await faceCrop('obama1', S);
    const data = new Float32Array(2 * S * S * 3);
    data.set(randomPixels(1, S * S * 3));
    data.set(photo, S * S * 3);
    const { embedding } = await runImage(session, data, [2, S, S, 3]);
    const expected = await referenceEmbeddings(data, 2);
    assert.equal(embedding.length, 2 * 128);
    const diff = compare(embedding, expected);
    assert.ok(diff.maxAbs <= diff.tolerance, `max |onnx - face-api| ${diff.maxAbs} > ${diff.tolerance}`);
    t.diagnostic(`max diff ${diff.maxAbs.toExponential(2)} (max |output| ${diff.maxRef.toFixed(3)})`);
  });

  test('two photos of the same person are closer than photos of different people', async (t) => {
    const embeddings = [];
    for (const name of ['obama1', 'obama2', 'jolie1'] as const) {
      const { embedding } = await runImage(session, await faceCrop(name, S), [1, S, S, 3]);
      embeddings.push(embedding);
    }
    const same = distance(embeddings[0], embeddings[1]);
    const different = Math.min(distance(embeddings[0], embeddings[2]), distance(embeddings[1], embeddings[2]));
    t.diagnostic(`same-person distance ${same.toFixed(3)}, nearest different-person ${different.toFixed(3)}`);
    assert.ok(same < different, `same-person distance ${same} should be below different-person ${different}`);
  });
});

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}
