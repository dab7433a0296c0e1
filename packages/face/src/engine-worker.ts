// A face-engine worker thread: one FacePipeline (one onnxruntime session per model); the
// pool may hand it a second image while the first runs (FACEREC_TASKS_PER_THREAD).
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { FacePipeline } from './pipeline.js';
import { serializeError, type WorkerTask } from './pool/pool.js';
import type { EngineConfig } from './config.js';
import type { ModelSet } from './modelset.js';
import type { AnalyzeOptions, ImageAnalysis } from './types.js';

export interface EngineWorkerData {
  modelSet: ModelSet;
  config: EngineConfig;
}

export interface AnalyzeRequest {
  bytes: Uint8Array;
  options: AnalyzeOptions;
}

// The pool provides the parallelism: libvips gets one thread per worker, like onnxruntime.
sharp.concurrency(1);

const { modelSet, config } = workerData as EngineWorkerData;
const pipeline = await FacePipeline.create(modelSet, config);
const port = parentPort!;

port.on('message', async ({ id, request }: WorkerTask<AnalyzeRequest>) => {
  try {
    const result: ImageAnalysis = await pipeline.analyze(request.bytes, request.options);
    const transfer = result.faces.flatMap((f) => (f.embedding ? [f.embedding.buffer as ArrayBuffer] : []));
    port.postMessage({ id, ok: true, result }, transfer);
  } catch (e) {
    port.postMessage({ id, ok: false, error: serializeError(e) });
  }
});
port.postMessage('ready');
