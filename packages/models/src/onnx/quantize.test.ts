import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr } from './index.js';
import { quantizeConvsStatic, quantizePerChannel } from './quantize.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('quantizePerChannel', () => {
  test('each output channel uses its own scale, the largest |w| maps to ±127, and q × scale is within half a step', () => {
    const w = Float32Array.from([0.5, -1, 0.25, 0, 10, -2.5, 5, 1]);
    const { values, scales } = quantizePerChannel(w, 2);
    assert.deepEqual(Array.from(scales), [1 / 127, 10 / 127].map((s) => Math.fround(s)));
    assert.equal(values[1], -127);
    assert.equal(values[4], 127);
    for (let i = 0; i < w.length; i++) assert.ok(Math.abs(values[i] * scales[i < 4 ? 0 : 1] - w[i]) <= scales[i < 4 ? 0 : 1] / 2 + 1e-7);
  });

  test('an all-zero channel gets scale 1 and zero weights, not NaN', () => {
    const { values, scales } = quantizePerChannel(new Float32Array(4), 1);
    assert.equal(scales[0], 1);
    assert.deepEqual(Array.from(values), [0, 0, 0, 0]);
  });
});

/** Conv(3→8, 3×3, same) → Relu → Conv(8→4, 3×3) → output, with random float filters and biases. */
function twoConvGraph(): { g: GraphBuilder; convs: { input: string; output: string }[] } {
  const r = seeded(9);
  const g = new GraphBuilder('two_convs');
  const x = g.input('x', [1, 3, 12, 12]);
  const w1 = g.float('w1', [8, 3, 3, 3], Array.from({ length: 216 }, () => r() - 0.5));
  const b1 = g.float('b1', [8], Array.from({ length: 8 }, () => r() - 0.5));
  const c1 = g.op('Conv', [x, w1, b1], { kernel_shape: attr.ints([3, 3]), auto_pad: attr.string('SAME_UPPER') });
  const relu = g.op('Relu', [c1]);
  const w2 = g.float('w2', [4, 8, 3, 3], Array.from({ length: 288 }, () => r() - 0.5));
  const b2 = g.float('b2', [4], Array.from({ length: 4 }, () => r() - 0.5));
  const c2 = g.op('Conv', [relu, w2, b2], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]) }, 'y');
  g.output(c2, [1, 4, 5, 5]);
  return { g, convs: [{ input: x, output: c1 }, { input: relu, output: c2 }] };
}

async function run(bytes: Uint8Array, input: Float32Array, names: string[] = ['y']): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const out = await session.run({ x: new ort.Tensor('float32', input, [1, 3, 12, 12]) });
  return Object.fromEntries(names.map((n) => [n, out[n].data as Float32Array]));
}

describe('quantizeConvsStatic', () => {
  const r = seeded(3);
  const input = Float32Array.from({ length: 3 * 12 * 12 }, () => r() * 4 - 2);

  test('rewrites every conv into QDQ form, drops the float filters, keeps the output name, and stays within the quantization error', async () => {
    const reference = await run(twoConvGraph().g.encode(), input);
    // Calibrate: the float graph also outputs each conv's input and output.
    const cal = twoConvGraph();
    const tensors = [...new Set(cal.convs.flatMap((c) => [c.input, c.output]))];
    for (const t of tensors) if (t !== 'y') cal.g.output(t, ['n', 'c', 'h', 'w']);
    const observed = await run(cal.g.encode(), input, tensors);
    const ranges = new Map(tensors.map((t) => [t, { min: Math.min(...observed[t]), max: Math.max(...observed[t]) }]));

    const { g } = twoConvGraph();
    assert.equal(quantizeConvsStatic(g, ranges, { minElements: 200 }), 2);
    assert.ok(!g.initializers.some((t) => t.name === 'w1' || t.name === 'w2'), 'float filters are gone');
    assert.equal(g.nodes.filter((n) => n.opType === 'QuantizeLinear').length, 4);
    assert.ok(g.nodes.filter((n) => n.opType === 'Conv').every((n) => n.inputs.every((i) => g.nodes.some((m) => m.outputs.includes(i) && m.opType === 'DequantizeLinear'))));
    const quantized = (await run(g.encode(), input)).y;
    const span = ranges.get('y')!.max - ranges.get('y')!.min;
    let worst = 0;
    for (let i = 0; i < quantized.length; i++) worst = Math.max(worst, Math.abs(quantized[i] - reference.y[i]));
    // Two uint8 activation roundings and int8 filters: a few output steps (span / 255) at most.
    assert.ok(worst < (4 * span) / 255, `worst error ${worst}, output step ${span / 255}`);
    assert.ok(worst > 0, 'the quantized graph must not be the float one');
  });

  test('a conv without a calibrated range stays float', () => {
    const { g } = twoConvGraph();
    assert.equal(quantizeConvsStatic(g, new Map()), 0);
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Conv', 'Relu', 'Conv']);
  });
});
