/**
 * The composition root: database (migrated in embedded mode, checked in production), vector
 * index, face engine, face service, express app, HTTP listener, and an orderly shutdown.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { AlbumService, IngestWorker } from '@facerec/albums';
import { assertSchemaCurrent, createRepositories, SecretBox, sql, type DatabaseConnection, type Repositories } from '@facerec/db';
import type { FaceEngine } from '@facerec/face';
import { SimilarityScale } from '@facerec/rekognition';
import { blobImageSource, createFaceService, type FaceApi } from '@facerec/service';
import type { BlobStore, Queue } from '@facerec/storage';
import { buildWebAssets, webAssetsDir, webHandler, type WebHandler } from '@facerec/web';
import { createApp, type GatewayApp } from './app.js';
import { describeInitialKey, ensureDefaultTenant, resolveServerKey, type InitialKey } from './bootstrap.js';
import { Closers, openBlobStore, openDatabase, openLookupCaches, openQueue, openVectorIndex, startEngine } from './composition.js';
import { s3ObjectBucket, type GatewayConfig } from './config.js';
import { answerClientErrors } from './protocol/client-error.js';
import { createLogger, type Logger } from './observability/logger.js';
import type { EngineStats } from './observability/metrics.js';
import type { ReadinessCheck } from './observability/health.js';

/** A face engine the gateway can report pool gauges for. */
export type GatewayEngine = FaceEngine & Partial<EngineStats>;

export interface StartOptions {
  /** Where JSON logs go (default stdout). */
  logDestination?: DestinationStream;
  /** Use this engine instead of starting one (tests); the gateway does not close it. */
  engine?: GatewayEngine;
  /** Where the one-time initial key notice is printed (default stderr). */
  notice?: (text: string) => void;
  /** Cosine→Similarity scale (default: the calibration fitted for the engine's model version). */
  scale?: SimilarityScale;
  /** Event stream timing (tests). */
  albumEvents?: { intervalMs?: number; heartbeatMs?: number };
}

export interface RunningGateway {
  url: string;
  logger: Logger;
  api: FaceApi;
  repos: Repositories;
  gateway: GatewayApp;
  albums: AlbumService;
  queue: Queue;
  /** The in-process ingest worker (FACEREC_EMBEDDED_WORKER), when running. */
  worker?: IngestWorker;
  /** Set when this start created the default tenant and its first key (embedded mode). */
  initialKey?: InitialKey;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes everything. */
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const closers = new Closers(logger);
  try {
    const db = await openDatabase(config, logger);
    closers.add(() => db.close());
    const caches = await openLookupCaches(db, config, logger, closers);
    const repos = createRepositories(db.db, new SecretBox(await resolveServerKey(config)), caches);
    const vectors = openVectorIndex(config, db);
    closers.add(() => vectors.close());
    const blobs = openBlobStore(config);
    closers.add(() => blobs.close());
    const queue = openQueue(config, db);
    closers.add(() => queue.close());
    const engine = options.engine ?? (await startEngine(config, logger));
    let engineOpen = true;
    if (!options.engine) closers.add(async () => { engineOpen = false; await engine.close(); });
    const scale = options.scale ?? SimilarityScale.forModelVersion(engine.modelVersion);
    const api = createFaceService({ repos, vectors, engine, scale, imageSource: blobImageSource(blobs, s3ObjectBucket(config.blobStore)) });
    const albums = new AlbumService({ repos, blobs, queue, vectors, engine, scale, maxPhotoBytes: config.albumPhotoLimitBytes });
    const initialKey = config.mode === 'embedded' ? await ensureDefaultTenant(db.db, repos, config.dataDir) : undefined;
    const web = await openWebPages(logger, await directUploadOrigins(blobs));
    const gateway = createApp({
      api,
      keys: repos.apiKeys,
      logger,
      checks: readinessChecks(db, () => engineOpen),
      engineStats: () => ({ queueDepth: engine.queueDepth ?? 0, busyThreads: engine.busyThreads ?? 0, waitingForRoom: engine.waitingForRoom ?? 0 }),
      queueStats: () => queue.stats(),
      cacheStats: () => caches?.stats(),
      jsonBodyLimitBytes: config.jsonBodyLimitBytes,
      uploadFileLimitBytes: config.uploadFileLimitBytes,
      sigv4: { regions: config.sigv4Regions, clockSkewSeconds: config.sigv4ClockSkewSeconds },
      trustProxy: config.trustProxy,
      albums: {
        albums,
        photoLimitBytes: config.albumPhotoLimitBytes,
        searchFileLimitBytes: config.uploadFileLimitBytes,
        rateLimits: config.publicRateLimits,
        ...(options.albumEvents ? { events: options.albumEvents } : {}),
      },
      ...(web ? { web } : {}),
    });
    // Stopped before the engine and stores close (closers run in reverse): in-flight photos finish.
    const worker = config.embeddedWorker ? startEmbeddedWorker(config, { repos, blobs, vectors, engine, queue }, logger) : undefined;
    if (worker) closers.add(() => worker.stop());
    const server = await listen(gateway, config);
    const url = urlOf(server, config.host);
    logger.info({ url, mode: config.mode, database: config.database.kind, vectorIndex: config.vectorIndex, blobStore: config.blobStore.kind, queue: config.queue.kind, embeddedWorker: Boolean(worker), modelVersion: engine.modelVersion }, 'gateway listening');
    if (initialKey) (options.notice ?? ((text) => process.stderr.write(`${text}\n`)))(describeInitialKey(initialKey, url));
    let closing: Promise<void> | undefined;
    const running: RunningGateway = {
      url,
      logger,
      api,
      repos,
      gateway,
      albums,
      queue,
      close: () => {
        closing ??= (async () => {
          gateway.startDraining();
          await stopServer(server, config.shutdownTimeoutMs, logger);
          await closers.closeAll();
          logger.info('gateway stopped');
        })();
        return closing;
      },
    };
    if (worker) running.worker = worker;
    if (initialKey) running.initialKey = initialKey;
    return running;
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

/** The pages of @facerec/web, built now if their files are missing; none when the build fails. */
/** The origin the blob store's presigned URLs point at (none for the filesystem store). */
async function directUploadOrigins(blobs: BlobStore): Promise<string[]> {
  const url = await blobs.presignPut('origin-probe', { expiresInSeconds: 60 });
  return url === undefined ? [] : [new URL(url).origin];
}

async function openWebPages(logger: Logger, uploadOrigins: readonly string[]): Promise<WebHandler | undefined> {
  const dir = webAssetsDir();
  if (!existsSync(path.join(dir, 'studio.html'))) {
    try {
      await buildWebAssets();
    } catch (error) {
      logger.warn({ err: error }, 'web pages could not be built: /studio/ and /s/ are not served');
      return undefined;
    }
  }
  return webHandler(dir, { uploadOrigins });
}

function startEmbeddedWorker(config: GatewayConfig, deps: ConstructorParameters<typeof IngestWorker>[0], logger: Logger): IngestWorker {
  const worker = new IngestWorker(deps, {
    concurrency: config.engine.threads,
    prefetch: config.ingest.prefetch ?? config.engine.threads,
    visibilityTimeoutSeconds: config.ingest.visibilityTimeoutSeconds,
    waitSeconds: config.ingest.waitSeconds,
    maxReceives: config.queue.maxReceives,
    onOutcome: (message, outcome) => {
      if (outcome.kind === 'error') logger.warn({ imageId: message.body.imageId, receiveCount: message.receiveCount, err: outcome.error }, 'album photo failed; the queue will retry it');
      else logger.debug({ imageId: message.body.imageId, outcome: outcome.kind }, 'album photo done');
    },
  });
  worker.start();
  return worker;
}

function readinessChecks(db: DatabaseConnection, engineOpen: () => boolean): ReadinessCheck[] {
  return [
    { name: 'database', check: async () => void (await sql`select 1`.execute(db.db)) },
    { name: 'schema', check: () => assertSchemaCurrent(db.db) },
    {
      name: 'engine',
      check: async () => {
        if (!engineOpen()) throw new Error('engine closed');
      },
    },
  ];
}

function listen(gateway: GatewayApp, config: GatewayConfig): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = gateway.app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(server)));
    answerClientErrors(server);
  });
}

function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** server.close() waits for in-flight requests; past the timeout, remaining sockets are cut. */
async function stopServer(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const expired = await Promise.race([closed.then(() => false), timedOut]);
  clearTimeout(timer);
  if (expired) {
    logger.warn({ timeoutMs }, 'shutdown timeout: closing remaining connections');
    server.closeAllConnections();
    await closed;
  }
}

/** Something a process runs until a signal: the gateway, a worker. */
export interface Stoppable {
  logger: Logger;
  close(): Promise<void>;
}

/**
 * For `facerec serve` and `facerec worker`: SIGTERM/SIGINT close the service once (gracefully);
 * a second signal exits at once.
 */
export function closeOnSignals(service: Stoppable, message = 'shutting down'): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      service.logger.info({ signal }, message);
      service.close().then(resolve, (error: unknown) => {
        service.logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
