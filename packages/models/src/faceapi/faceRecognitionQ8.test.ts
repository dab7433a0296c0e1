import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import { convertFaceApiModel } from './catalog.js';
import { FACE_RECOGNITION_SIZE } from './faceRecognition.js';
import { buildFaceRecognitionCalibration } from './faceRecognitionQ8.js';
import { FACE_RECOGNITION_Q8_RANGES } from './faceRecognitionQ8Ranges.js';
import { createSession, faceCrop, runImage } from './testing.js';

const S = FACE_RECOGNITION_SIZE;

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe('face-recognition-q8 (int8 convs) against the float model', () => {
  let fp32: ort.InferenceSession;
  let q8: ort.InferenceSession;
  let q8Bytes: Uint8Array;

  before(async () => {
    fp32 = await createSession(await convertFaceApiModel('face-recognition'));
    q8Bytes = await convertFaceApiModel('face-recognition-q8');
    q8 = await createSession(q8Bytes);
  });

  test('the calibration table covers every conv of the graph it quantizes', async () => {
    const { tensors } = await buildFaceRecognitionCalibration();
    assert.deepEqual(Object.keys(FACE_RECOGNITION_Q8_RANGES).sort(), [...tensors].sort());
    for (const { min, max } of Object.values(FACE_RECOGNITION_Q8_RANGES)) assert.ok(Number.isFinite(min) && Number.isFinite(max) && max > min);
  });

  test('its graph holds int8 filters (about 4× smaller than float32)', async () => {
    const float32 = await convertFaceApiModel('face-recognition', { weights: 'float32' });
    assert.ok(q8Bytes.byteLength < float32.byteLength / 3, `${q8Bytes.byteLength} vs ${float32.byteLength} bytes`);
  });

  test('descriptors of real face crops keep cosine > 0.99 with the float ones, and are not identical', async () => {
    for (const name of ['obama1', 'obama2', 'jolie1'] as const) {
      const crop = await faceCrop(name, S);
      const a = (await runImage(fp32, crop, [1, S, S, 3])).embedding;
      const b = (await runImage(q8, crop, [1, S, S, 3])).embedding;
      const cos = cosine(a, b);
      assert.ok(cos > 0.99 && cos < 1 - 1e-7, `${name}: cosine ${cos}`);
    }
  });

  test('a different person stays far: quantization does not collapse descriptors', async () => {
    const obama = (await runImage(q8, await faceCrop('obama1', S), [1, S, S, 3])).embedding;
    const jolie = (await runImage(q8, await faceCrop('jolie1', S), [1, S, S, 3])).embedding;
    const obama2 = (await runImage(q8, await faceCrop('obama2', S), [1, S, S, 3])).embedding;
    assert.ok(cosine(obama, obama2) > cosine(obama, jolie));
  });
});
