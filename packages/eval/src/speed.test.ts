import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InvalidInputError, MissingFileError } from './errors.js';
import { FakeFaceEngine } from './fake-engine.js';
import { percentile, percentiles, runSpeedBench } from './speed.js';
import { withTempDir, writeFiles } from './test-fixtures.js';

describe('percentiles', () => {
  test('nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    assert.deepEqual(percentiles(values), { p50: 50, p95: 95, p99: 99 });
    assert.deepEqual(percentiles([4, 1, 3, 2]), { p50: 2, p95: 4, p99: 4 });
    assert.deepEqual(percentiles([7]), { p50: 7, p95: 7, p99: 7 });
    assert.equal(percentile([3, 1, 2], 0), 1);
    assert.equal(percentile([3, 1, 2], 100), 3);
  });
  test('rejects empty input and out-of-range percentiles', () => {
    assert.throws(() => percentiles([]), InvalidInputError);
    assert.throws(() => percentile([1], 101), /percentile must be in/);
  });
});

describe('runSpeedBench', () => {
  async function setUp(root: string): Promise<void> {
    await writeFiles(root, {
      'a/1.jpg': 'alice/1',
      'a/2.jpeg': 'alice/crowd2',
      'b/x.PNG': 'faces=3',
      'c/y.jpg': 'bob/noface',
      '.cache/skip.jpg': 'faces=9',
      'notes.txt': 'faces=9',
    });
  }

  test('runs every image (recursively, hidden folders and non-images skipped) after untimed warm-up', async () => {
    await withTempDir(async (root) => {
      await setUp(root);
      const engine = new FakeFaceEngine();
      const progress: number[] = [];
      const r = await runSpeedBench({ engine, images: root, threads: 2, warmup: 2, onProgress: (d) => progress.push(d) });
      assert.equal(r.images, 4);
      assert.equal(r.faces, 6);
      assert.equal(r.warmup_runs, 2);
      assert.equal(r.threads, 2);
      assert.equal(engine.calls.length, 6);
      assert.ok(engine.calls.every((c) => c.options.mode === 'album' && c.options.embed && !c.options.attributes));
      assert.deepEqual(engine.calls.slice(2).map((c) => c.content).sort(), ['alice/1', 'alice/crowd2', 'bob/noface', 'faces=3']);
      assert.equal(r.images_per_second, (4 * 1000) / r.wall_ms);
      assert.equal(r.images_per_second_per_core, r.images_per_second / 2);
      assert.equal(r.ms_per_image, r.wall_ms / 4);
      assert.equal(r.ms_per_face, r.wall_ms / 6);
      assert.deepEqual(r.stages_ms, { decodeMs: 1, detectMs: 2, embedMs: 3, attributesMs: 0 });
      assert.ok(r.latency_ms.p50 <= r.latency_ms.p95 && r.latency_ms.p95 <= r.latency_ms.p99);
      assert.deepEqual(progress.sort(), [1, 2, 3, 4]);
    });
  });

  test('warm-up is capped by the number of images; no face → ms_per_face null', async () => {
    await withTempDir(async (root) => {
      await writeFiles(root, { 'n.jpg': 'faces=0' });
      const engine = new FakeFaceEngine();
      const r = await runSpeedBench({ engine, images: root });
      assert.equal(r.warmup_runs, 1);
      assert.equal(engine.calls.length, 2);
      assert.equal(r.ms_per_face, null);
      assert.equal(r.threads, 1);
    });
  });

  test('rejects bad thread counts, empty and missing folders', async () => {
    await withTempDir(async (root) => {
      await setUp(root);
      await assert.rejects(runSpeedBench({ engine: new FakeFaceEngine(), images: root, threads: 0 }), /threads must be a positive integer/);
      await assert.rejects(runSpeedBench({ engine: new FakeFaceEngine(), images: join(root, 'c', 'none') }), MissingFileError);
      await writeFiles(root, { 'empty/readme.txt': 'x' });
      await assert.rejects(runSpeedBench({ engine: new FakeFaceEngine(), images: join(root, 'empty') }), /no JPEG\/PNG images/);
    });
  });
});
