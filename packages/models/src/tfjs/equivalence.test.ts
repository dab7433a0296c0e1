import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { blazeFaceAnchors } from './blazeface.js';
import { sourceOutputs, tfjsModels } from './catalog.js';
import { loadGraphModel, type TfGraphModel } from './load.js';
import { repairFusedReluPrelu } from './repair.js';
import { affine, facesDir, imageTensor, maxAbs, maxAbsDiff, onnxSession, runOnnx, runTfjs, seededRandom, type Crop } from './testing.js';

/** How a 0..1 RGB image maps onto each model's documented input range. */
const INPUT_RANGE: Record<string, { scale: number; offset: number; channels: 1 | 3 }> = {
  'blazeface-back': { scale: 2, offset: -1, channels: 3 },
  'blazeface-front': { scale: 2, offset: -1, channels: 3 },
  faceres: { scale: 255, offset: 0, channels: 3 },
  mobileface: { scale: 255, offset: 0, channels: 3 },
  mobilefacenet: { scale: 255 / 128, offset: -127.5 / 128, channels: 3 },
  facemesh: { scale: 1, offset: 0, channels: 3 },
  emotion: { scale: 2, offset: -1, channels: 1 },
  gender: { scale: 2, offset: -1, channels: 1 },
  age: { scale: 255, offset: 0, channels: 3 },
};

const PORTRAIT = 'barack_obama/1.jpg';
/** The face in PORTRAIT, a little loose; and the top square of it for the detectors. */
const FACE: Crop = { left: 0.3, top: 0.04, width: 0.4, height: 0.34 };
const TOP_SQUARE: Crop = { left: 0, top: 0, width: 1, height: 0.8 };

function withinBound(actual: ArrayLike<number>, expected: ArrayLike<number>): { diff: number; bound: number } {
  return { diff: maxAbsDiff(actual, expected), bound: 1e-3 * maxAbs(expected) + 1e-4 };
}

/** The tfjs graph the ONNX model must match: the repaired one where the catalog repairs. */
function reference(model: TfGraphModel, repaired: boolean): TfGraphModel {
  if (!repaired) return model;
  const nodes = repairFusedReluPrelu(model).model.nodes;
  return { ...model, json: { ...model.json, modelTopology: { ...model.json.modelTopology, node: nodes } } };
}

/** BlazeFace decoding written out plainly, applied to the tfjs model's raw outputs. */
function decodeBlazeFace(logits: Float32Array[], regressors: Float32Array[], size: number): Record<string, Float32Array> {
  const anchors = blazeFaceAnchors(size);
  const scores = Float32Array.from([...logits[0]!, ...logits[1]!], (v) => 1 / (1 + Math.exp(-v)));
  const reg = Float32Array.from([...regressors[0]!, ...regressors[1]!]);
  const n = scores.length;
  const boxes = new Float32Array(n * 4);
  const keypoints = new Float32Array(n * 12);
  for (let i = 0; i < n; i++) {
    const [ax, ay] = [anchors[2 * i]!, anchors[2 * i + 1]!];
    const r = reg.subarray(16 * i, 16 * i + 16);
    const [cx, cy, w, h] = [r[0]! / size + ax, r[1]! / size + ay, r[2]! / size, r[3]! / size];
    boxes.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * i);
    for (let k = 0; k < 6; k++) keypoints.set([r[4 + 2 * k]! / size + ax, r[5 + 2 * k]! / size + ay], 12 * i + 2 * k);
  }
  return { scores, boxes, keypoints };
}

const BLAZEFACE_RAW = { logits: ['Identity', 'Identity_1'], regressors: ['Identity_2', 'Identity_3'] };

async function referenceOutputs(id: string, model: TfGraphModel, shape: number[], data: Float32Array): Promise<Record<string, Float32Array>> {
  const source = sourceOutputs(id);
  const spec = tfjsModels.find((s) => s.id === id)!;
  const inputName = model.inputs[0]!.name;
  if (id.startsWith('blazeface')) {
    const raw = await runTfjs(model, inputName, shape, data, [...BLAZEFACE_RAW.logits, ...BLAZEFACE_RAW.regressors]);
    assert.deepEqual(raw.map((r) => r.length), [512, 384, 512 * 16, 384 * 16], 'BlazeFace raw outputs in the expected order');
    return decodeBlazeFace(raw.slice(0, 2), raw.slice(2), shape[1]!);
  }
  const values = await runTfjs(reference(model, source.repaired), inputName, shape, data, [...source.tensors]);
  return Object.fromEntries(spec.io.outputs.map((o, i) => [o.name, values[i]!]));
}

describe('converted human-models match the original tfjs models', () => {
  before(() => facesDir());

  for (const spec of tfjsModels) {
    describe(spec.id, () => {
      let session: ort.InferenceSession;
      let model: TfGraphModel;
      let shape: number[];
      const range = INPUT_RANGE[spec.id];

      before(async () => {
        assert.ok(range, `no input range for ${spec.id}`);
        session = await onnxSession(await spec.convert());
        model = await loadGraphModel(sourceOutputs(spec.id).jsonPath);
        shape = spec.io.inputs[0]!.shape.map((d) => (typeof d === 'number' ? d : 1));
      });

      const compare = async (data: Float32Array) => {
        const expected = await referenceOutputs(spec.id, model, shape, data);
        const actual = await runOnnx(session, shape, data);
        for (const out of spec.io.outputs) {
          const { diff, bound } = withinBound(actual[out.name]!, expected[out.name]!);
          assert.ok(diff <= bound, `${spec.id}/${out.name}: max abs difference ${diff} > ${bound}`);
        }
      };

      test('seeded random input', async () => {
        const count = shape.reduce((a, b) => a * b, 1);
        await compare(affine(seededRandom(count, 1234), range!.scale, range!.offset));
      });

      test('a real face crop', async () => {
        const crop = spec.id.startsWith('blazeface') ? TOP_SQUARE : FACE;
        const image = await imageTensor(path.join(facesDir(), 'dev', PORTRAIT), shape[1]!, range!.channels, crop);
        await compare(affine(image, range!.scale, range!.offset));
      });

      test('a batch of two gives the rows of two single runs', async (t) => {
        if (typeof spec.io.inputs[0]!.shape[0] === 'number') {
          assert.equal(spec.io.inputs[0]!.shape[0], 1, 'fixed batch is 1 like the original');
          return;
        }
        const count = shape.reduce((a, b) => a * b, 1);
        const [a, b] = [affine(seededRandom(count, 1), range!.scale, range!.offset), affine(seededRandom(count, 2), range!.scale, range!.offset)];
        const pair = await runOnnx(session, [2, ...shape.slice(1)], Float32Array.from([...a, ...b]));
        const [one, two] = [await runOnnx(session, shape, a), await runOnnx(session, shape, b)];
        for (const out of spec.io.outputs) {
          const rows = pair[out.name]!;
          const half = rows.length / 2;
          assert.ok(maxAbsDiff(rows.subarray(0, half), one[out.name]!) <= 1e-4 * maxAbs(one[out.name]!) + 1e-5, `${out.name} row 0`);
          assert.ok(maxAbsDiff(rows.subarray(half), two[out.name]!) <= 1e-4 * maxAbs(two[out.name]!) + 1e-5, `${out.name} row 1`);
        }
        t.diagnostic(`batch 2 ok for ${spec.io.outputs.length} outputs`);
      });

      test('io docs match the graph', () => {
        assert.deepEqual(session.inputNames, spec.io.inputs.map((i) => i.name));
        assert.deepEqual([...session.outputNames].sort(), spec.io.outputs.map((o) => o.name).sort());
      });
    });
  }
});
