import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { halfToFloat, loadGraphModel, TfModelError } from './load.js';

test('halfToFloat decodes normal, subnormal, signed and special binary16 values', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

async function withModel(weights: object[], bin: Uint8Array, run: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tfjs-load-'));
  try {
    const json = {
      format: 'graph-model',
      modelTopology: { node: [{ name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } }] },
      weightsManifest: [{ paths: ['m.bin'], weights }],
    };
    await writeFile(path.join(dir, 'm.json'), JSON.stringify(json));
    await writeFile(path.join(dir, 'm.bin'), bin);
    await run(path.join(dir, 'm.json'));
  } finally {
    await rm(dir, { recursive: true });
  }
}

test('weights are dequantised from float16 and affine uint8, int32 kept, placeholders read', async () => {
  const bin = new Uint8Array(4 + 3 + 8);
  new Uint16Array(bin.buffer, 0, 2).set([0x3c00, 0xbc00]);
  bin.set([0, 1, 255], 4);
  new DataView(bin.buffer).setInt32(7, -7, true);
  new DataView(bin.buffer).setInt32(11, 9, true);
  const weights = [
    { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
    { name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
    { name: 'i', shape: [2], dtype: 'int32' },
  ];
  await withModel(weights, bin, async (file) => {
    const m = await loadGraphModel(file);
    assert.deepEqual(Array.from(m.weights.get('h')!.values), [1, -1]);
    assert.deepEqual(Array.from(m.weights.get('q')!.values), [-1, -0.5, 126.5]);
    assert.deepEqual(Array.from(m.weights.get('i')!.values), [-7, 9]);
    assert.deepEqual(m.inputs, [{ name: 'x', shape: [-1, 2] }]);
  });
});

test('a weight file that does not match the manifest is rejected', async () => {
  await withModel([{ name: 'w', shape: [3], dtype: 'float32' }], new Uint8Array(8), async (file) => {
    await assert.rejects(loadGraphModel(file), TfModelError);
  });
});
