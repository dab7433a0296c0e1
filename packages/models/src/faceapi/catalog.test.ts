import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertFaceApiModel, faceApiModels } from './catalog.js';
import { outSize, permute } from './layers.js';
import { createSession } from './testing.js';
import { sourceFilesOf, type FaceApiModelName } from './weights.js';

test('catalog ids are unique and name the seven face-api models plus the int8 face-recognition', () => {
  const ids = faceApiModels.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), [
    'age-gender',
    'face-expression',
    'face-landmark-68',
    'face-landmark-68-tiny',
    'face-recognition',
    'face-recognition-q8',
    'ssd-mobilenetv1',
    'tiny-face-detector',
  ]);
});

test('each converted model has exactly the inputs and outputs its io docs describe', async () => {
  for (const spec of faceApiModels) {
    const bytes = await spec.convert();
    const session = await createSession(bytes);
    assert.deepEqual(session.inputNames, spec.io.inputs.map((i) => i.name), spec.id);
    assert.deepEqual([...session.outputNames].sort(), spec.io.outputs.map((o) => o.name).sort(), spec.id);
    await session.release();
    assert.ok(spec.license.length > 0 && spec.io.outputs.every((o) => o.doc.length > 20), `${spec.id} documented`);
  }
});

test('sourceFiles match what the weight manifests reference', async () => {
  for (const spec of faceApiModels) {
    const manifest = spec.sourceFiles[0].replace(/^model\/(.*)-weights_manifest\.json$/, '$1') as FaceApiModelName;
    assert.deepEqual(spec.sourceFiles, await sourceFilesOf(manifest), spec.id);
  }
});

test('permute transposes like a reference index computation', () => {
  const shape = [2, 3, 4];
  const src = Float32Array.from({ length: 24 }, (_, i) => i);
  const out = permute(src, shape, [2, 0, 1]);
  // out[k][i][j] = src[i][j][k]
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) assert.equal(out[k * 6 + i * 3 + j], src[i * 12 + j * 4 + k]);
    }
  }
});

test('outSize follows TF padding rules', () => {
  assert.equal(outSize(150, 7, 2, 'valid'), 72);
  assert.equal(outSize(35, 2, 2, 'valid'), 17);
  assert.equal(outSize(207, 2, 2, 'same'), 104);
  assert.equal(outSize(13, 3, 1, 1), 13);
});

test('onnxruntime folds the uint8 Cast/Sub/Mul filters into float32 at session creation', async () => {
  // The reason 'uint8-cast' is the default: if this folding stopped, every inference would
  // dequantise the filters again (what DequantizeLinear does: 1.5-2.5x slower, see measure.ts).
  const dir = await mkdtemp(path.join(tmpdir(), 'faceapi-opt-'));
  try {
    const bytes = await convertFaceApiModel('face-landmark-68', { weights: 'uint8-cast' });
    const optimizedModelFilePath = path.join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, optimizedModelFilePath, logSeverityLevel: 3 });
    await session.release();
    const { size } = await stat(optimizedModelFilePath);
    assert.ok(size > 2.5 * bytes.length, `optimised model ${size} B vs ${bytes.length} B: filters were not folded to float32`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
