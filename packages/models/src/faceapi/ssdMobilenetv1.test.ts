import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import { buildSsdMobilenetv1, SSD_ANCHORS, SSD_SIZE } from './ssdMobilenetv1.js';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { loadFaceApi, referenceNet, toNetInput, type FaceApi, type ForwardNet } from './reference.js';
import { compare, createSession, facePath, photoPixels, randomPixels, runImage } from './testing.js';
import { loadFaceApiWeights } from './weights.js';

const S = SSD_SIZE;

describe('ssd-mobilenetv1 ONNX', () => {
  let session: ort.InferenceSession;
  let faceApi: FaceApi;
  let net: ForwardNet<{ boxes: Tensor2D[]; scores: Tensor1D[] }>;

  before(async () => {
    const weights = await loadFaceApiWeights('ssd_mobilenetv1_model');
    session = await createSession(buildSsdMobilenetv1(weights, { weights: 'uint8-cast' }));
    faceApi = await loadFaceApi();
    net = await referenceNet(faceApi.SsdMobilenetv1, 'ssd_mobilenetv1_model');
  });

  /** face-api's decoded boxes, reordered to x1,y1,x2,y2 and clamped like its locateFaces. */
  async function reference(data: Float32Array): Promise<{ boxes: Float32Array; scores: Float32Array }> {
    const out = await net.forward(toNetInput(faceApi.tf, data, 1, S, S));
    const yx = out.boxes[0].dataSync() as Float32Array;
    const scores = Float32Array.from(out.scores[0].dataSync());
    const boxes = new Float32Array(yx.length);
    const clamp = (v: number) => Math.min(Math.max(v, 0), 1);
    for (let i = 0; i < yx.length; i += 4) boxes.set([yx[i + 1], yx[i], yx[i + 3], yx[i + 2]].map(clamp), i);
    return { boxes, scores };
  }

  for (const [label, load] of [
    ['a seeded random image', async () => randomPixels(7, S * S * 3)],
    ['a real photo', async () => photoPixels(facePath('dev/_groups/two_people.jpg'), S)],
  ] as const) {
    test(`matches face-api on ${label}`, async (t) => {
      const data = await load();
      const { boxes, scores } = await runImage(session, data, [1, S, S, 3]);
      assert.equal(scores.length, SSD_ANCHORS);
      const expected = await reference(data);
      const ds = compare(scores, expected.scores);
      assert.ok(ds.maxAbs <= ds.tolerance, `scores: max diff ${ds.maxAbs} > ${ds.tolerance}`);
      const db = compare(boxes, expected.boxes);
      assert.ok(db.maxAbs <= db.tolerance, `boxes: max diff ${db.maxAbs} > ${db.tolerance}`);
      t.diagnostic(`scores max diff ${ds.maxAbs.toExponential(2)}, boxes max diff ${db.maxAbs.toExponential(2)}`);
    });
  }

  test('finds the two faces in two_people.jpg', async () => {
    const data = await photoPixels(facePath('dev/_groups/two_people.jpg'), S);
    const { boxes, scores } = await runImage(session, data, [1, S, S, 3]);
    const kept = nonMaxSuppression(boxes, scores, 0.5, 0.5);
    assert.equal(kept.length, 2, `kept ${JSON.stringify(kept.map((i) => scores[i]))}`);
    for (const i of kept) {
      const [x1, y1, x2, y2] = boxes.subarray(i * 4, i * 4 + 4);
      assert.ok(x2 - x1 > 0.02 && y2 - y1 > 0.02, 'a face box has a real extent');
    }
  });
});

/** Greedy NMS: indices by descending score, dropping boxes overlapping a kept one by IoU > iou. */
function nonMaxSuppression(boxes: Float32Array, scores: Float32Array, minScore: number, iou: number): number[] {
  const order = [...scores.keys()].filter((i) => scores[i] > minScore).sort((a, b) => scores[b] - scores[a]);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => intersectionOverUnion(boxes, i, k) <= iou)) kept.push(i);
  }
  return kept;
}

function intersectionOverUnion(boxes: Float32Array, a: number, b: number): number {
  const [ax1, ay1, ax2, ay2] = boxes.subarray(a * 4, a * 4 + 4);
  const [bx1, by1, bx2, by2] = boxes.subarray(b * 4, b * 4 + 4);
  const w = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const h = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = w * h;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}
