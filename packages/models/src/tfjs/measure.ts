/**
 * Milliseconds per inference of every converted human-models model on one thread.
 * Run: node --import tsx packages/models/src/tfjs/measure.ts [--runs N] [--unoptimized]
 * (--unoptimized also times each model converted without the rewrite passes.)
 */
import * as ort from 'onnxruntime-node';
import { tfjsModels, sourceOutputs } from './catalog.js';
import { convertGraphModel } from './convert.js';
import { loadGraphModel } from './load.js';
import { seededRandom } from './testing.js';
import type { ModelSpec } from '../spec.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 0) || 30;

async function time(bytes: Uint8Array, spec: ModelSpec): Promise<{ min: number; median: number }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const shape = spec.io.inputs[0]!.shape.map((d) => (typeof d === 'number' ? d : 1));
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', seededRandom(shape.reduce((a, b) => a * b, 1), 5), shape) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  await session.release();
  ms.sort((a, b) => a - b);
  return { min: ms[0]!, median: ms[Math.floor(ms.length / 2)]! };
}

async function unoptimized(spec: ModelSpec): Promise<Uint8Array | undefined> {
  const source = sourceOutputs(spec.id);
  if (source.tensors.length === 0) return undefined;
  const model = await loadGraphModel(source.jsonPath);
  const outputs = source.tensors.map((tensor, i) => ({ tensor, name: spec.io.outputs[i]!.name }));
  return convertGraphModel(model, { outputs, optimize: false, repairFusedRelu: source.repaired });
}

const fmt = (n: number) => n.toFixed(2).padStart(7);
console.log(`model             MB   min ms  median  (1 thread, ${runs} runs)`);
for (const spec of tfjsModels) {
  const bytes = await spec.convert();
  const t = await time(bytes, spec);
  let line = `${spec.id.padEnd(16)} ${(bytes.length / 2 ** 20).toFixed(1).padStart(4)} ${fmt(t.min)} ${fmt(t.median)}`;
  if (args.includes('--unoptimized')) {
    const raw = await unoptimized(spec);
    if (raw) {
      const u = await time(raw, spec);
      line += `   without passes: ${fmt(u.min)} ${fmt(u.median)}`;
    }
  }
  console.log(line);
}
