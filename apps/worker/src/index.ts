export { loadWorkerConfig, WORKER_ENV_VARS, type WorkerConfig } from './config.js';
export { startWorker, closeOnSignals, type RunningWorker, type WorkerStartOptions } from './worker.js';
export { WorkerMetrics, type PhotoOutcome } from './metrics.js';
