import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyzeOptions, FaceEngine, ImageAnalysis } from '@facerec/face';
import { cachedFivePoints, findFivePoints, type PointsByImage } from './points.js';

/** An engine that finds one face in a 200×100 image unless the bytes say "none". */
class LandmarkEngine implements FaceEngine {
  readonly modelVersion = 'landmarks-1';
  readonly options: AnalyzeOptions[] = [];
  async analyze(image: Uint8Array, options: AnalyzeOptions): Promise<ImageAnalysis> {
    this.options.push(options);
    const none = new TextDecoder().decode(image) === 'none';
    const Landmarks = (['eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight'] as const).map((Type, k) => ({ Type, X: 0.1 * (k + 1), Y: 0.5 }));
    const face = { BoundingBox: { Left: 0, Top: 0, Width: 1, Height: 1 }, Confidence: 99, Landmarks, Pose: { Roll: 0, Yaw: 0, Pitch: 0 }, Quality: { Brightness: 50, Sharpness: 50 } };
    return { width: 200, height: 100, faces: none ? [] : [face], timings: { decodeMs: 0, detectMs: 0, embedMs: 0, attributesMs: 0 } };
  }
  async close(): Promise<void> {}
}

test('findFivePoints turns landmark ratios into pixels of the decoded image, in selfie mode without embedding', async () => {
  const engine = new LandmarkEngine();
  const points = await findFivePoints(engine, new TextEncoder().encode('face'));
  assert.deepEqual(points?.map(([x, y]) => [Number(x.toFixed(6)), y]), [[20, 50], [40, 50], [60, 50], [80, 50], [100, 50]]);
  assert.deepEqual(engine.options[0], { mode: 'selfie', embed: false, attributes: false, maxFaces: 1 });
  assert.equal(await findFivePoints(engine, new TextEncoder().encode('none')), null);
});

test('cachedFivePoints computes once per key and recomputes for a new key or a missing image', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'points-'));
  try {
    const file = join(dir, 'sub', 'points.json');
    let computed = 0;
    const compute = async (): Promise<PointsByImage> => {
      computed++;
      return new Map([['x.jpg', [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]], ['y.jpg', null]]);
    };
    const first = await cachedFivePoints(file, 'k1', ['x.jpg', 'y.jpg'], compute);
    const second = await cachedFivePoints(file, 'k1', ['y.jpg', 'x.jpg'], compute);
    assert.equal(first.fromCache, false);
    assert.equal(second.fromCache, true);
    assert.deepEqual([...second.points.entries()].sort(), [...first.points.entries()].sort());
    await cachedFivePoints(file, 'k2', ['x.jpg'], compute);
    await cachedFivePoints(file, 'k2', ['z.jpg'], compute);
    assert.equal(computed, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
