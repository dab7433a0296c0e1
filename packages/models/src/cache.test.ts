import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureModel, loadCachedModel, ModelChecksumError } from './cache.js';
import { GraphBuilder } from './onnx/index.js';
import type { ModelSpec } from './spec.js';

function fakeSpec(converterVersion = 1): ModelSpec & { calls: number } {
  const spec = {
    id: 'identity',
    description: 'test model',
    license: 'MIT',
    sourcePackage: '@vladmandic/face-api' as const,
    sourceFiles: ['model/tiny_face_detector_model-weights_manifest.json'],
    converterVersion,
    io: { inputs: [], outputs: [] },
    calls: 0,
    async convert() {
      spec.calls++;
      const g = new GraphBuilder('identity');
      g.output(g.op('Identity', [g.input('x', [1])], {}, 'y'), [1]);
      return g.encode();
    },
  };
  return spec;
}

test('ensureModel converts once, then reuses the cached file while source and converter are unchanged', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'facerec-cache-'));
  try {
    const spec = fakeSpec();
    const first = await ensureModel(spec, dir);
    const second = await ensureModel(spec, dir);
    assert.equal(first.converted, true);
    assert.equal(second.converted, false);
    assert.equal(spec.calls, 1);
    assert.equal(second.record.onnxSha256, first.record.onnxSha256);
    const bumped = fakeSpec(2);
    assert.equal((await ensureModel(bumped, dir)).converted, true, 'a new converter version converts again');
    assert.deepEqual(Buffer.from(await loadCachedModel(dir, "identity")), await readFile(first.path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a cached model whose bytes changed is refused with a checksum error', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'facerec-cache-'));
  try {
    const { path: onnxPath } = await ensureModel(fakeSpec(), dir);
    await writeFile(onnxPath, new Uint8Array([1, 2, 3]));
    await assert.rejects(loadCachedModel(dir, 'identity'), ModelChecksumError);
    await assert.rejects(ensureModel(fakeSpec(), dir), /checksum mismatch/);
    await assert.rejects(loadCachedModel(dir, 'absent'), /not converted yet/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
