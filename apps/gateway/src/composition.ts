/**
 * How every process of the service opens its dependencies from the configuration: the gateway,
 * the worker process and the operator commands call these, so production (Postgres + S3 + SQS +
 * Pinecone) and the embedded stack (PGlite + files + table queue + local index) differ only in
 * configuration.
 */
import path from 'node:path';
import { assertSchemaCurrent, ChangeFeed, connect, createLookupCaches, migrateUp, type DatabaseConnection, type LookupCaches } from '@facerec/db';
import { modelIds, PooledFaceEngine, resolveModelSet } from '@facerec/face';
import { prepareModels } from '@facerec/models';
import {
  createSqsClient,
  FsBlobStore,
  LocalVectorIndex,
  PgTableQueue,
  PgvectorIndex,
  PineconeIndex,
  S3BlobStore,
  SqsQueue,
  type BlobStore,
  type Queue,
  type VectorIndex,
} from '@facerec/storage';
import type { StackConfig } from './config.js';
import type { Logger } from './observability/logger.js';

/** Embedded mode migrates at start; production refuses a schema it does not know (`facerec migrate up` is deliberate). */
export async function openDatabase(config: Pick<StackConfig, 'database' | 'mode'>, logger: Logger): Promise<DatabaseConnection> {
  const db = await connect(config.database);
  try {
    if (config.mode === 'embedded') {
      const applied = await migrateUp(db.db);
      if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrated');
    } else {
      await assertSchemaCurrent(db.db);
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * The key and collection caches every request reads through (`FACEREC_LOOKUP_CACHE_SECONDS`, 0: none),
 * kept exact by the database's change notifications; the feed closes with the other closers.
 */
export async function openLookupCaches(db: DatabaseConnection, config: { lookupCacheMs: number }, logger: Logger, closers: Closers): Promise<LookupCaches | undefined> {
  if (config.lookupCacheMs <= 0) return undefined;
  const feed = await ChangeFeed.open(db, { onError: (error) => logger.warn({ err: error }, 'change notifications lost; key and collection caches off until they are back') });
  closers.add(() => feed.close());
  return createLookupCaches(feed, { ttlMs: config.lookupCacheMs });
}

export function openVectorIndex(config: Pick<StackConfig, 'vectorIndex' | 'dataDir' | 'pinecone'>, db: DatabaseConnection): VectorIndex {
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

export function openBlobStore(config: Pick<StackConfig, 'blobStore' | 'awsCredentials'>): BlobStore {
  const settings = config.blobStore;
  if (settings.kind === 'fs') return new FsBlobStore({ root: settings.root });
  return new S3BlobStore({
    bucket: settings.bucket,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(config.awsCredentials ? { credentials: config.awsCredentials } : {}),
  });
}

export function openQueue(config: Pick<StackConfig, 'queue' | 'awsCredentials'>, db: DatabaseConnection): Queue {
  const settings = config.queue;
  if (settings.kind === 'table') return new PgTableQueue({ db: db.db, maxReceives: settings.maxReceives });
  const client = createSqsClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(config.awsCredentials ? { credentials: config.awsCredentials } : {}),
  });
  return new SqsQueue({ client, queueUrl: settings.queueUrl, deadLetterQueueUrl: settings.deadLetterQueueUrl, ownsClient: true });
}

/** Converts/verifies the model set, then starts the worker-thread pool. */
export async function startEngine(config: Pick<StackConfig, 'modelSet' | 'engine'>, logger: Logger): Promise<PooledFaceEngine> {
  const set = resolveModelSet(config.modelSet);
  await prepareModels(modelIds(set), config.engine.modelCacheDir, (done, total, model) => {
    logger.info({ model: model.id, done, total, converted: model.converted }, 'model ready');
  });
  const engine = await PooledFaceEngine.start(config.engine, set);
  logger.info({ threads: config.engine.threads, modelVersion: engine.modelVersion }, 'engine started');
  return engine;
}

/** Runs `close` functions in reverse order of registration, logging (not throwing) failures. */
export class Closers {
  private readonly list: (() => Promise<void>)[] = [];

  constructor(private readonly logger: Logger) {}

  add(close: () => Promise<void>): void {
    this.list.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.list.splice(0).reverse()) await close().catch((error: unknown) => this.logger.error({ err: error }, 'close failed'));
  }
}
