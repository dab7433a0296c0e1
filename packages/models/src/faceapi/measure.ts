/**
 * Measures each converted face-api model on one onnxruntime thread, each way of storing
 * the uint8 filters (float32, uint8 + DequantizeLinear, uint8 + Cast/Sub/Mul): ONNX size, session creation time, ms per inference (batch 1).
 *   node --import tsx packages/models/src/faceapi/measure.ts [runs=20] [model-id ...]
 */
import { performance } from 'node:perf_hooks';
import { convertFaceApiModel, faceApiModels } from './catalog.js';
import type { WeightStorage } from './layers.js';
import { createSession, randomPixels, runImage } from './testing.js';

const WARMUP = 3;
const STORAGES: readonly WeightStorage[] = ['float32', 'dequantize-linear', 'uint8-cast'];

interface Row {
  model: string;
  weights: string;
  sizeMB: number;
  sessionMs: number;
  minMs: number;
  medianMs: number;
}

async function measure(id: string, storage: WeightStorage, runs: number): Promise<Row> {
  const bytes = await convertFaceApiModel(id, { weights: storage });
  const t0 = performance.now();
  const session = await createSession(bytes);
  const sessionMs = performance.now() - t0;
  const spec = faceApiModels.find((m) => m.id === id);
  const shape = (spec?.io.inputs[0].shape ?? []).map((d) => (typeof d === 'number' ? d : 1));
  const data = randomPixels(5, shape.reduce((n, d) => n * d, 1));
  const times: number[] = [];
  for (let i = 0; i < WARMUP + runs; i++) {
    const start = performance.now();
    await runImage(session, data, shape);
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return {
    model: id,
    weights: storage,
    sizeMB: round(bytes.length / 1e6, 2),
    sessionMs: round(sessionMs, 0),
    minMs: round(times[0], 1),
    medianMs: round(times[Math.floor(times.length / 2)], 1),
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

async function main(): Promise<void> {
  const [runsArg, ...ids] = process.argv.slice(2);
  const runs = Number(runsArg ?? 20) || 20;
  const selected = ids.length ? ids : faceApiModels.map((m) => m.id);
  const rows: Row[] = [];
  for (const id of selected) {
    for (const storage of STORAGES) rows.push(await measure(id, storage, runs));
  }
  console.table(rows);
}

await main();
