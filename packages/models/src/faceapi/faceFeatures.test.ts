import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAgeGender } from './ageGender.js';
import { buildFaceExpression, buildFaceLandmark68, FACE_CROP_SIZE, FACE_EXPRESSIONS } from './faceFeatures.js';
import { loadFaceApi, referenceNet, toNetInput, type FaceApi, type NetInput } from './reference.js';
import { compare, createSession, faceCrop, randomPixels, runImage } from './testing.js';
import { loadFaceApiWeights, type FaceApiModelName } from './weights.js';

const S = FACE_CROP_SIZE;
const BATCH = 2;

/** Batch of 2: a seeded random image and a real face crop. */
async function inputBatch(): Promise<Float32Array> {
  const face = await faceCrop('obama1', S);
  const data = new Float32Array(BATCH * S * S * 3);
  data.set(randomPixels(3, S * S * 3));
  data.set(face, S * S * 3);
  return data;
}

async function onnxOutputs(model: Uint8Array, data: Float32Array): Promise<Record<string, Float32Array>> {
  return runImage(await createSession(model), data, [BATCH, S, S, 3]);
}

function assertClose(t: { diagnostic(msg: string): void }, label: string, actual: Float32Array, expected: ArrayLike<number>): void {
  const d = compare(actual, expected);
  t.diagnostic(`${label}: max diff ${d.maxAbs.toExponential(2)} (max |output| ${d.maxRef.toFixed(3)})`);
  assert.ok(d.maxAbs <= d.tolerance, `${label}: max |onnx - face-api| ${d.maxAbs} > ${d.tolerance}`);
}

describe('face-api 112×112 face-crop models in ONNX match face-api', () => {
  let faceApi: FaceApi;
  let data: Float32Array;
  let netInput: () => NetInput;

  before(async () => {
    faceApi = await loadFaceApi();
    data = await inputBatch();
    netInput = () => toNetInput(faceApi.tf, data, BATCH, S, S);
  });

  for (const [id, model, tiny] of [
    ['face-landmark-68', 'face_landmark_68_model', false],
    ['face-landmark-68-tiny', 'face_landmark_68_tiny_model', true],
  ] as const) {
    test(id, async (t) => {
      const weights = await loadFaceApiWeights(model as FaceApiModelName);
      const { landmarks } = await onnxOutputs(buildFaceLandmark68(weights, { weights: 'uint8-cast' }, tiny), data);
      const net = await referenceNet(tiny ? faceApi.FaceLandmark68TinyNet : faceApi.FaceLandmark68Net, model);
      const expected = (await net.forward(netInput())).dataSync();
      assert.equal(landmarks.length, BATCH * 68 * 2);
      assertClose(t, id, landmarks, expected);
      // On the real face crop the points should land inside the crop.
      const face = landmarks.subarray(68 * 2);
      assert.ok(face.every((v) => v > 0 && v < 1), 'face landmarks within the crop');
    });
  }

  test('face-expression', async (t) => {
    const weights = await loadFaceApiWeights('face_expression_model');
    const { expressions } = await onnxOutputs(buildFaceExpression(weights, { weights: 'uint8-cast' }), data);
    const net = await referenceNet(faceApi.FaceExpressionNet, 'face_expression_model');
    const expected = (await net.forward(netInput())).dataSync();
    assert.equal(expressions.length, BATCH * FACE_EXPRESSIONS.length);
    assertClose(t, 'face-expression', expressions, expected);
  });

  test('age-gender', async (t) => {
    const weights = await loadFaceApiWeights('age_gender_model');
    const { age, gender } = await onnxOutputs(buildAgeGender(weights, { weights: 'uint8-cast' }), data);
    const net = await referenceNet(faceApi.AgeGenderNet, 'age_gender_model');
    const expected = await net.forward(netInput());
    assert.equal(age.length, BATCH);
    assertClose(t, 'age', age, expected.age.dataSync());
    assertClose(t, 'gender', gender, expected.gender.dataSync());
    t.diagnostic(`real face: age ${age[1].toFixed(1)}, P(male) ${gender[2].toFixed(3)}`);
  });
});
