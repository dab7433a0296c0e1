/**
 * The worker process: opens the shared stack (database, blob store, queue, vector index, engine)
 * the way the gateway does, consumes the ingestion queue with `concurrency` = engine threads, and
 * serves /healthz and /metrics. `close()` is the graceful stop SIGTERM triggers: no new receives,
 * unstarted messages released at once, photos in work finished, then everything closed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IngestWorker } from '@facerec/albums';
import { createRepositories, SecretBox } from '@facerec/db';
import type { FaceEngine } from '@facerec/face';
import { closeOnSignals as closeServiceOnSignals, Closers, createLogger, openBlobStore, openDatabase, openQueue, openVectorIndex, startEngine, type Logger } from '@facerec/gateway';
import type { WorkerConfig } from './config.js';
import { WorkerMetrics } from './metrics.js';

export interface WorkerStartOptions {
  logDestination?: Parameters<typeof createLogger>[1];
  /** Use this engine instead of starting one (tests); the worker does not close it. */
  engine?: FaceEngine;
}

export interface RunningWorker {
  /** http://host:port of /healthz and /metrics. */
  url: string;
  logger: Logger;
  metrics: WorkerMetrics;
  ingest: IngestWorker;
  close(): Promise<void>;
}

export async function startWorker(config: WorkerConfig, options: WorkerStartOptions = {}): Promise<RunningWorker> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const closers = new Closers(logger);
  try {
    const db = await openDatabase(config, logger);
    closers.add(() => db.close());
    // The worker never reads API key secrets; a configured key is used when there is one.
    const repos = createRepositories(db.db, new SecretBox(config.serverKey ?? SecretBox.generateKey()));
    const vectors = openVectorIndex(config, db);
    closers.add(() => vectors.close());
    const blobs = openBlobStore(config);
    closers.add(() => blobs.close());
    const queue = openQueue(config, db);
    closers.add(() => queue.close());
    const engine = options.engine ?? (await startEngine(config, logger));
    if (!options.engine) closers.add(() => engine.close());
    const threads = config.engine.threads;
    let metrics: WorkerMetrics | undefined;
    const ingest = new IngestWorker(
      { repos, blobs, vectors, engine, queue },
      {
        concurrency: threads,
        prefetch: config.ingest.prefetch ?? threads,
        visibilityTimeoutSeconds: config.ingest.visibilityTimeoutSeconds,
        waitSeconds: config.ingest.waitSeconds,
        maxReceives: config.queue.maxReceives,
        onOutcome: (message, outcome) => {
          const id = { imageId: message.body.imageId, receiveCount: message.receiveCount };
          if (outcome.kind === 'error') {
            metrics?.record('error');
            logger.warn({ ...id, err: outcome.error }, 'photo failed; the queue will deliver it again');
          } else {
            metrics?.record(outcome.kind, outcome.kind === 'indexed' ? outcome.faces : 0);
            logger.debug({ ...id, outcome: outcome.kind }, 'photo done');
          }
        },
      },
    );
    metrics = new WorkerMetrics(() => ingest.busy, () => queue.stats());
    let stopping = false;
    const server = await listen(config, metrics, () => stopping);
    closers.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    ingest.start();
    const url = urlOf(server, config.host);
    logger.info({ url, threads, queue: config.queue.kind, blobStore: config.blobStore.kind, vectorIndex: config.vectorIndex, modelVersion: engine.modelVersion }, 'worker started');
    let closing: Promise<void> | undefined;
    return {
      url,
      logger,
      metrics,
      ingest,
      close: () => {
        closing ??= (async () => {
          stopping = true;
          await withTimeout(ingest.stop(), config.shutdownTimeoutMs, () => logger.warn({ inFlight: ingest.busy }, 'shutdown timeout: photos in work are left to the queue'));
          server.closeAllConnections();
          await closers.closeAll();
          logger.info('worker stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

function listen(config: WorkerConfig, metrics: WorkerMetrics, stopping: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(stopping() ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: stopping() ? 'stopping' : 'ok' }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NotFoundException"}');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve(server));
  });
}

function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

async function withTimeout(work: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  if (await Promise.race([work.then(() => false), expired])) onTimeout();
  clearTimeout(timer);
}

/** For `facerec worker` and the process entry: the gateway's signal handling, with the worker's message. */
export function closeOnSignals(worker: RunningWorker): Promise<void> {
  return closeServiceOnSignals(worker, 'stopping: no new photos, finishing the ones in work');
}
