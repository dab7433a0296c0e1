import { InvalidParameterError } from '@facerec/core';
import { WorkerPool } from './pool/pool.js';
import type { EngineConfig } from './config.js';
import type { AnalyzeRequest, EngineWorkerData } from './engine-worker.js';
import { DEFAULT_MODEL_SET, MODEL_SETS, type ModelSet } from './modelset.js';
import type { AnalyzeOptions, FaceEngine, ImageAnalysis } from './types.js';

export function resolveModelSet(name: string = DEFAULT_MODEL_SET): ModelSet {
  const set = MODEL_SETS[name];
  if (!set) throw new InvalidParameterError(`unknown model set "${name}" (known: ${Object.keys(MODEL_SETS).join(', ')})`);
  return set;
}

/**
 * The face engine for servers: a pool of worker threads, each with its own pipeline, behind a
 * bounded queue. Callers on the main thread never block on inference.
 */
export class PooledFaceEngine implements FaceEngine {
  private constructor(
    private readonly pool: WorkerPool<AnalyzeRequest, ImageAnalysis>,
    readonly modelSet: ModelSet,
  ) {}

  static async start(config: EngineConfig, modelSet: ModelSet): Promise<PooledFaceEngine> {
    const workerData: EngineWorkerData = { modelSet, config };
    const pool = new WorkerPool<AnalyzeRequest, ImageAnalysis>({
      script: new URL('./engine-worker.ts', import.meta.url),
      size: config.threads,
      maxQueue: config.queueLimit,
      perWorker: config.tasksPerThread ?? 1,
      workerData,
    });
    await pool.ready();
    return new PooledFaceEngine(pool, modelSet);
  }

  get modelVersion(): string {
    return this.modelSet.version;
  }

  /** Images waiting for a thread (a gauge for /metrics). */
  get queueDepth(): number {
    return this.pool.queueDepth;
  }

  /** Background (`whenBusy: 'wait'`) images held back until the queue has room. */
  get waitingForRoom(): number {
    return this.pool.waitingForRoom;
  }

  get busyThreads(): number {
    return this.pool.busyWorkers;
  }

  analyze(image: Uint8Array, options: AnalyzeOptions): Promise<ImageAnalysis> {
    const { whenBusy, ...rest } = options;
    return this.pool.run({ bytes: image, options: rest }, [], whenBusy === 'wait' ? 'wait' : 'reject');
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
