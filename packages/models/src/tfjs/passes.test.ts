import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr } from '../onnx/index.js';
import { dropIdentity, eliminateDeadCode, foldChannelAffineIntoConv, fuseClipChains, fuseDecomposedPrelu, fuseMaxMinPrelu, optimizeGraph } from './passes.js';
import { maxAbsDiff, seededRandom } from './testing.js';

const SHAPE = [1, 4, 4, 3];
const INPUT = seededRandom(48, 11, -3, 3);

async function run(g: GraphBuilder): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(g.encode(), { graphOptimizationLevel: 'disabled' });
  const out = await session.run({ x: new ort.Tensor('float32', INPUT, SHAPE) });
  return out.y!.data as Float32Array;
}

const opTypes = (g: GraphBuilder) => g.nodes.map((n) => n.opType);

/** relu(x) + c * (x - |x|), TF's PReLU with per-channel c = alpha / 2, as tfjs exports it. */
function decomposedPrelu(): GraphBuilder {
  const g = new GraphBuilder('prelu');
  const x = g.input('x', SHAPE);
  const relu = g.op('Relu', [x]);
  const sub = g.op('Sub', [x, g.op('Abs', [x])]);
  const mul = g.op('Mul', [sub, g.float('half_alpha', [3], [0.05, 0.125, -0.3])]);
  g.op('Add', [relu, mul], {}, 'y');
  g.output('y', SHAPE);
  return g;
}

describe('rewrite passes', () => {
  test('a decomposed PReLU becomes one PRelu node computing the same', async () => {
    const g = decomposedPrelu();
    const before = await run(g);
    assert.equal(fuseDecomposedPrelu(g), 1);
    eliminateDeadCode(g);
    assert.deepEqual(opTypes(g), ['PRelu']);
    assert.ok(maxAbsDiff(await run(g), before) < 1e-6);
    // The slope is 2c: x = -1 in channel 0 must give -0.1.
    assert.deepEqual(Array.from(g.initializers[0]!.values as Float32Array), Array.from(Float32Array.of(0.1, 0.25, -0.6)));
  });

  test('a decomposed PReLU whose Relu output is also used elsewhere is left alone', () => {
    const g = decomposedPrelu();
    const relu = g.nodes[0]!.outputs[0]!;
    g.op('Sigmoid', [relu], {}, 'extra');
    g.output('extra', SHAPE);
    assert.equal(fuseDecomposedPrelu(g), 0);
  });

  test('max(x, 0) + alpha * min(x, 0) becomes PRelu', async () => {
    const g = new GraphBuilder('mxnet-prelu');
    const x = g.input('x', SHAPE);
    const max = g.op('Max', [g.float('zero', [], [0]), x]);
    const min = g.op('Min', [g.float('zero', [], [0]), x]);
    g.op('Add', [max, g.op('Mul', [g.float('gamma', [3], [0.2, 0.5, 2]), min])], {}, 'y');
    g.output('y', SHAPE);
    const before = await run(g);
    assert.equal(fuseMaxMinPrelu(g), 1);
    eliminateDeadCode(g);
    assert.deepEqual(opTypes(g), ['PRelu']);
    assert.ok(maxAbsDiff(await run(g), before) < 1e-6);
  });

  test('Relu -> Min(6) -> Max(0) collapses into Clip(0, 6)', async () => {
    const g = new GraphBuilder('relu6');
    const x = g.input('x', SHAPE);
    const min = g.op('Min', [g.op('Relu', [x]), g.float('six', [], [2.5])]);
    g.op('Max', [min, g.float('zero', [], [0])], {}, 'y');
    g.output('y', SHAPE);
    const before = await run(g);
    assert.equal(fuseClipChains(g), 2);
    eliminateDeadCode(g);
    assert.deepEqual(opTypes(g), ['Clip']);
    assert.ok(maxAbsDiff(await run(g), before) < 1e-6);
  });

  test('a lone Max(0) stays as it is; a Min with a non-uniform constant is not a clamp', () => {
    const g = new GraphBuilder('no-clip');
    const x = g.input('x', SHAPE);
    const m = g.op('Min', [g.op('Max', [x, g.float('zero', [], [0])]), g.float('bounds', [3], [1, 2, 3])]);
    g.op('Sigmoid', [m], {}, 'y');
    g.output('y', SHAPE);
    assert.equal(fuseClipChains(g), 0);
    assert.deepEqual(opTypes(g), ['Max', 'Min', 'Sigmoid']);
  });

  test('per-channel Mul and Add after an NHWC-wrapped Conv fold into its weights and bias', async () => {
    const g = new GraphBuilder('bn');
    const x = g.input('x', SHAPE);
    const nchw = g.op('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) });
    const w = g.float('w', [2, 3, 1, 1], [1, -2, 0.5, 3, 1, -1]);
    const conv = g.op('Conv', [nchw, w], { kernel_shape: attr.ints([1, 1]) });
    const nhwc = g.op('Transpose', [conv], { perm: attr.ints([0, 2, 3, 1]) });
    const scaled = g.op('Mul', [nhwc, g.float('scale', [2], [0.5, -4])]);
    g.op('Add', [g.float('shift', [1, 1, 1, 2], [1, 2]), scaled], {}, 'y');
    g.output('y', [1, 4, 4, 2]);
    const before = await run(g);
    assert.equal(foldChannelAffineIntoConv(g), 2);
    eliminateDeadCode(g);
    assert.deepEqual(opTypes(g), ['Transpose', 'Conv', 'Transpose']);
    assert.ok(maxAbsDiff(await run(g), before) < 1e-5);
  });

  test('a Mul whose constant varies over space is not folded', () => {
    const g = new GraphBuilder('no-fold');
    const x = g.input('x', SHAPE);
    const conv = g.op('Conv', [g.op('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) }), g.float('w', [3, 3, 1, 1], new Array(9).fill(1))], { kernel_shape: attr.ints([1, 1]) });
    const nhwc = g.op('Transpose', [conv], { perm: attr.ints([0, 2, 3, 1]) });
    g.op('Mul', [nhwc, g.float('mask', [4, 1, 1], [1, 2, 3, 4])], {}, 'y');
    g.output('y', SHAPE);
    assert.equal(foldChannelAffineIntoConv(g), 0);
  });

  test('Identity nodes disappear, also in front of a graph output', async () => {
    const g = new GraphBuilder('identity');
    const x = g.input('x', SHAPE);
    const inner = g.op('Identity', [g.op('Relu', [x])]);
    g.op('Identity', [g.op('Neg', [inner])], {}, 'y');
    g.output('y', SHAPE);
    const before = await run(g);
    assert.equal(dropIdentity(g), 2);
    assert.deepEqual(opTypes(g), ['Relu', 'Neg']);
    assert.equal(g.nodes[1]!.outputs[0], 'y');
    assert.ok(maxAbsDiff(await run(g), before) === 0);
  });

  test('dead nodes and their initializers are removed', () => {
    const g = new GraphBuilder('dead');
    const x = g.input('x', SHAPE);
    g.op('Mul', [x, g.float('unused', [], [2])]);
    g.op('Relu', [x], {}, 'y');
    g.output('y', SHAPE);
    assert.equal(eliminateDeadCode(g), 1);
    assert.equal(g.initializers.length, 0);
  });

  test('optimizeGraph reports what it did', () => {
    const stats = optimizeGraph(decomposedPrelu());
    assert.deepEqual(stats, { identitiesDropped: 0, preluFused: 1, affineFolded: 0, clipFused: 0, deadNodesRemoved: 0 });
  });
});
