import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import type { Tensor4D } from '@tensorflow/tfjs';
import { buildTinyFaceDetector, TINY_FACE_DETECTOR_SIZE, tinyGridSize } from './tinyFaceDetector.js';
import { loadFaceApi, referenceNet, toNetInput, type FaceApi, type SizedForwardNet } from './reference.js';
import { compare, createSession, facePath, photoPixels, randomPixels, runImage } from './testing.js';
import { loadFaceApiWeights } from './weights.js';

const S = TINY_FACE_DETECTOR_SIZE;
const COUNT = tinyGridSize(S) ** 2 * 5;

/** The part of face-api's TinyYolov2Base we call: its JS decoding of the raw grid. */
interface ExtractBoxes {
  extractBoxes(
    grid: Tensor4D,
    dims: { width: number; height: number },
    scoreThreshold?: number,
  ): Promise<{ box: { left: number; top: number; right: number; bottom: number }; score: number }[]>;
}

describe('tiny-face-detector ONNX', () => {
  let session: ort.InferenceSession;
  let faceApi: FaceApi;
  let net: SizedForwardNet<Tensor4D>;

  before(async () => {
    const weights = await loadFaceApiWeights('tiny_face_detector_model');
    session = await createSession(buildTinyFaceDetector(weights, { weights: 'uint8-cast' }));
    faceApi = await loadFaceApi();
    net = await referenceNet(faceApi.TinyFaceDetector, 'tiny_face_detector_model');
  });

  /** face-api's decoded boxes for every cell and anchor (threshold 0 keeps all), clipped to 0..1. */
  async function reference(data: Float32Array): Promise<{ boxes: Float32Array; scores: Float32Array }> {
    const grid = await net.forward(toNetInput(faceApi.tf, data, 1, S, S), S);
    const results = await (net as unknown as ExtractBoxes).extractBoxes(grid, { width: S, height: S }, 0);
    grid.dispose();
    const clamp = (v: number) => Math.min(Math.max(v, 0), 1);
    const boxes = Float32Array.from(results.flatMap(({ box }) => [box.left, box.top, box.right, box.bottom].map(clamp)));
    return { boxes, scores: Float32Array.from(results, (r) => r.score) };
  }

  for (const [label, load] of [
    ['a seeded random image', async () => randomPixels(11, S * S * 3)],
    ['a real photo', async () => photoPixels(facePath('dev/_groups/two_people.jpg'), S)],
  ] as const) {
    test(`matches face-api's decoding on ${label}`, async (t) => {
      const data = await load();
      const { boxes, scores } = await runImage(session, data, [1, S, S, 3]);
      const expected = await reference(data);
      assert.equal(scores.length, COUNT);
      const ds = compare(scores, expected.scores);
      assert.ok(ds.maxAbs <= ds.tolerance, `scores: max diff ${ds.maxAbs} > ${ds.tolerance}`);
      const db = compare(boxes, expected.boxes);
      assert.ok(db.maxAbs <= db.tolerance, `boxes: max diff ${db.maxAbs} > ${db.tolerance}`);
      t.diagnostic(`scores max diff ${ds.maxAbs.toExponential(2)}, boxes max diff ${db.maxAbs.toExponential(2)}, top score ${Math.max(...scores).toFixed(3)}`);
    });
  }
});
