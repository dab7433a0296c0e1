/**
 * The composition root: database (migrated in embedded mode, checked in production), vector
 * index, face engine, face service, express app, HTTP listener, and an orderly shutdown.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { assertSchemaCurrent, connect, createRepositories, migrateUp, SecretBox, sql, type DatabaseConnection, type Repositories } from '@facerec/db';
import { modelIds, PooledFaceEngine, resolveModelSet, type FaceEngine } from '@facerec/face';
import { prepareModels } from '@facerec/models';
import { SimilarityScale } from '@facerec/rekognition';
import { createFaceService, type FaceApi } from '@facerec/service';
import { LocalVectorIndex, PgvectorIndex, PineconeIndex, type VectorIndex } from '@facerec/storage';
import { createApp, type GatewayApp } from './app.js';
import { describeInitialKey, ensureDefaultTenant, resolveServerKey, type InitialKey } from './bootstrap.js';
import type { GatewayConfig } from './config.js';
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
}

export interface RunningGateway {
  url: string;
  logger: Logger;
  api: FaceApi;
  repos: Repositories;
  gateway: GatewayApp;
  /** Set when this start created the default tenant and its first key (embedded mode). */
  initialKey?: InitialKey;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes everything. */
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.error({ err: error }, 'close failed'));
  };
  try {
    const db = await openDatabase(config, logger);
    closers.push(() => db.close());
    const repos = createRepositories(db.db, new SecretBox(await resolveServerKey(config)));
    const vectors = openVectorIndex(config, db);
    closers.push(() => vectors.close());
    const engine = options.engine ?? (await startEngine(config, logger));
    let engineOpen = true;
    if (!options.engine) closers.push(async () => { engineOpen = false; await engine.close(); });
    const api = createFaceService({ repos, vectors, engine, scale: options.scale ?? SimilarityScale.forModelVersion(engine.modelVersion) });
    const initialKey = config.mode === 'embedded' ? await ensureDefaultTenant(db.db, repos, config.dataDir) : undefined;
    const gateway = createApp({
      api,
      keys: repos.apiKeys,
      logger,
      checks: readinessChecks(db, () => engineOpen),
      engineStats: () => ({ queueDepth: engine.queueDepth ?? 0, busyThreads: engine.busyThreads ?? 0 }),
      jsonBodyLimitBytes: config.jsonBodyLimitBytes,
      uploadFileLimitBytes: config.uploadFileLimitBytes,
      sigv4: { regions: config.sigv4Regions, clockSkewSeconds: config.sigv4ClockSkewSeconds },
      trustProxy: config.trustProxy,
    });
    const server = await listen(gateway, config);
    const url = urlOf(server, config.host);
    logger.info({ url, mode: config.mode, database: config.database.kind, vectorIndex: config.vectorIndex, modelVersion: engine.modelVersion }, 'gateway listening');
    if (initialKey) (options.notice ?? ((text) => process.stderr.write(`${text}\n`)))(describeInitialKey(initialKey, url));
    let closing: Promise<void> | undefined;
    const running: RunningGateway = {
      url,
      logger,
      api,
      repos,
      gateway,
      close: () => {
        closing ??= (async () => {
          gateway.startDraining();
          await stopServer(server, config.shutdownTimeoutMs, logger);
          await closeAll();
          logger.info('gateway stopped');
        })();
        return closing;
      },
    };
    if (initialKey) running.initialKey = initialKey;
    return running;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openDatabase(config: GatewayConfig, logger: Logger): Promise<DatabaseConnection> {
  const db = await connect(config.database);
  try {
    if (config.mode === 'embedded') {
      const applied = await migrateUp(db.db);
      if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrated');
    } else {
      // Production never migrates implicitly: `facerec migrate up` is a deliberate step.
      await assertSchemaCurrent(db.db);
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

export function openVectorIndex(config: GatewayConfig, db: DatabaseConnection): VectorIndex {
  switch (config.vectorIndex) {
    case 'local':
      return new LocalVectorIndex({ dataDir: path.join(config.dataDir, 'vectors') });
    case 'pgvector':
      return new PgvectorIndex(db.db);
    case 'pinecone':
      if (!config.pinecone) throw new Error('VECTOR_INDEX=pinecone needs PINECONE_API_KEY and PINECONE_INDEX_HOST');
      return PineconeIndex.connect(config.pinecone);
  }
}

async function startEngine(config: GatewayConfig, logger: Logger): Promise<PooledFaceEngine> {
  const set = resolveModelSet(config.modelSet);
  await prepareModels(modelIds(set), config.engine.modelCacheDir, (done, total, model) => {
    logger.info({ model: model.id, done, total, converted: model.converted }, 'model ready');
  });
  const engine = await PooledFaceEngine.start(config.engine, set);
  logger.info({ threads: config.engine.threads, modelVersion: engine.modelVersion }, 'engine started');
  return engine;
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

/** For `facerec serve`: SIGTERM/SIGINT close the gateway once; a second signal exits at once. */
export function closeOnSignals(gateway: RunningGateway): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      gateway.logger.info({ signal }, 'shutting down');
      gateway.close().then(resolve, (error: unknown) => {
        gateway.logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
