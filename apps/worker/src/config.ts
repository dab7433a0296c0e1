/**
 * The worker process's configuration: the service's shared stack settings (database, vectors,
 * blobs, queue, engine: see the gateway's env example) plus its own health/metrics listener.
 */
import { ConfigError, envNumber, envString, type Env } from '@facerec/core';
import { loadStackConfig, type EnvVarDoc, type StackConfig } from '@facerec/gateway';

export interface WorkerConfig extends StackConfig {
  /** /healthz and /metrics listener. */
  host: string;
  port: number;
  /** On SIGTERM, how long photos in work may take before the process exits anyway. */
  shutdownTimeoutMs: number;
}

export const WORKER_ENV_VARS: readonly EnvVarDoc[] = [
  { name: 'WORKER_PORT', default: '9090', doc: 'Port of the worker\'s /healthz and /metrics (0: any free port).' },
  { name: 'WORKER_HOST', default: '0.0.0.0', doc: 'Address of that listener (default 127.0.0.1 in embedded mode).' },
  { name: 'WORKER_SHUTDOWN_TIMEOUT_SECONDS', default: '120', doc: 'On SIGTERM: stop receiving, give back unstarted photos, and wait this long for photos in work.' },
];

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const stack = loadStackConfig(env);
  // Another process cannot see this one's PGlite or in-memory index: a worker process needs shared ones.
  if (stack.database.kind === 'pglite') throw new ConfigError('the worker process needs Postgres (POSTGRES_URL or POSTGRES_HOST): PGlite belongs to one process; in embedded mode the gateway runs the worker itself (FACEREC_EMBEDDED_WORKER)');
  if (stack.vectorIndex === 'local') throw new ConfigError('the worker process needs a shared vector index (VECTOR_INDEX=pgvector or pinecone): the local index lives in one process');
  return {
    ...stack,
    host: envString(env, 'WORKER_HOST', stack.mode === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    port: envNumber(env, 'WORKER_PORT', 9090, { min: 0, max: 65535, integer: true }),
    shutdownTimeoutMs: envNumber(env, 'WORKER_SHUTDOWN_TIMEOUT_SECONDS', 120, { min: 0 }) * 1000,
  };
}
