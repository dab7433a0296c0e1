import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr } from './index.js';

test('a hand-built Conv + Relu + Reshape graph runs in onnxruntime with the expected values', async () => {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', [1, 1, 3, 3]);
  // 2x2 kernel of ones, bias -10: a sum of 4 inputs minus 10, clamped at 0 by Relu.
  const w = g.float('w', [1, 1, 2, 2], [1, 1, 1, 1]);
  const b = g.float('b', [1], [-10]);
  const conv = g.op('Conv', [x, w, b], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([1, 1]) });
  const relu = g.op('Relu', [conv]);
  const flat = g.op('Reshape', [relu, g.int64('shape', [1, 4])], {}, 'y');
  g.output(flat, [1, 4]);
  const session = await ort.InferenceSession.create(g.encode());
  const input = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 1, 3, 3]);
  const out = await session.run({ x: input });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [2, 6, 14, 18]);
});

test('float and string attributes and int64 initializers survive encoding', async () => {
  const g = new GraphBuilder('attrs');
  const x = g.input('x', ['batch', 3]);
  const y = g.op('LeakyRelu', [x], { alpha: attr.float(0.5) }, 'y');
  g.output(y, ['batch', 3]);
  const session = await ort.InferenceSession.create(g.encode({ metadata: { source: 'test' } }));
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-2, 0, 2, -4, 1, 3]), [2, 3]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [-1, 0, 2, -2, 1, 3]);
});
