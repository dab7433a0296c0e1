import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { blazeFaceAnchors } from './blazeface.js';
import { tfjsModels } from './catalog.js';
import { affine, facesDir, onnxSession, runOnnx, squareImage } from './testing.js';

describe('BlazeFace anchors', () => {
  test('256² and 128² both give 16x16x2 + 8x8x6 = 896 anchors, centred in their cells', () => {
    for (const size of [256, 128]) {
      const a = blazeFaceAnchors(size);
      assert.equal(a.length, 896 * 2);
      assert.deepEqual([a[0], a[1], a[2], a[3]], [0.5 / 16, 0.5 / 16, 0.5 / 16, 0.5 / 16]);
      // Anchor 512 opens the 8x8 grid with 6 anchors per cell; the last sits in its bottom-right cell.
      assert.deepEqual([a[1024], a[1025]], [0.5 / 8, 0.5 / 8]);
      assert.deepEqual([a[1790], a[1791]], [7.5 / 8, 7.5 / 8]);
    }
  });
});

interface Detection {
  score: number;
  box: number[];
  keypoints: [number, number][];
}

/** Best-scoring anchor, mapped back from the padded square to fractions of the original image. */
function best(out: Record<string, Float32Array>, coverX: number, coverY: number): Detection {
  const scores = out.scores!;
  let i = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k]! > scores[i]!) i = k;
  const box = Array.from(out.boxes!.subarray(4 * i, 4 * i + 4), (v, k) => v / (k % 2 === 0 ? coverX : coverY));
  const kp = out.keypoints!.subarray(12 * i, 12 * i + 12);
  const keypoints = Array.from({ length: 6 }, (_, k): [number, number] => [kp[2 * k]! / coverX, kp[2 * k + 1]! / coverY]);
  return { score: scores[i]!, box, keypoints };
}

for (const id of ['blazeface-back', 'blazeface-front']) {
  describe(`${id} decodes a real portrait`, () => {
    let session: ort.InferenceSession;
    const spec = tfjsModels.find((s) => s.id === id)!;
    const size = spec.io.inputs[0]!.shape[1] as number;

    before(async () => {
      facesDir();
      session = await onnxSession(await spec.convert());
    });

    for (const portrait of ['barack_obama/1.jpg', 'angelina_jolie/1.jpg']) {
      test(portrait, async () => {
        const sq = await squareImage(path.join(facesDir(), 'dev', portrait), size);
        const d = best(await runOnnx(session, [1, size, size, 3], affine(sq.data, 2, -1)), sq.coverX, sq.coverY);
        assert.ok(d.score > 0.7, `best score ${d.score}`);
        const [x1, y1, x2, y2] = d.box as [number, number, number, number];
        const [cx, cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
        // A head-and-shoulders portrait: the face is horizontally central, in the upper 60 %.
        assert.ok(cx > 0.35 && cx < 0.65, `box centre x ${cx}`);
        assert.ok(cy > 0.1 && cy < 0.6, `box centre y ${cy}`);
        assert.ok(x2 - x1 > 0.15 && x2 - x1 < 0.7, `box width ${x2 - x1}`);
        const [rightEye, leftEye, nose, mouth, rightEar, leftEar] = d.keypoints;
        assert.ok(rightEye![1] < nose![1] && leftEye![1] < nose![1], 'eyes above the nose');
        assert.ok(nose![1] < mouth![1], 'nose above the mouth');
        // The subject's right eye and ear are on the image's left in an unmirrored photo.
        assert.ok(rightEye![0] < leftEye![0] && rightEar![0] < leftEar![0], 'right side of the face on the image left');
        for (const [x, y] of d.keypoints) assert.ok(x > x1 - 0.05 && x < x2 + 0.05 && y > y1 - 0.05 && y < y2 + 0.05, 'keypoint inside the box');
      });
    }

    test('a photo without a face scores low everywhere', async () => {
      const sq = await squareImage(path.join(facesDir(), 'dev', '_nonfaces', 'brick.jpg'), size);
      const d = best(await runOnnx(session, [1, size, size, 3], affine(sq.data, 2, -1)), sq.coverX, sq.coverY);
      assert.ok(d.score < 0.5, `best score ${d.score}`);
    });
  });
}
