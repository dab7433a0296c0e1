/**
 * The gateway's configuration, read once from the environment. A bad value fails at start-up with
 * the variable's name; nothing else in the gateway reads process.env.
 */
import path from 'node:path';
import { ConfigError, envBoolean, envEnum, envNumber, envOptionalString, envString, type Env } from '@facerec/core';
import { databaseConfigFromEnv, type DatabaseConfig } from '@facerec/db';
import { DEFAULT_MODEL_SET, loadEngineConfig, type EngineConfig } from '@facerec/face';

export type GatewayMode = 'embedded' | 'production';
export type VectorIndexKind = 'local' | 'pgvector' | 'pinecone';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface PineconeSettings {
  apiKey: string;
  host: string;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type BlobStoreSettings =
  | { kind: 'fs'; root: string }
  | { kind: 's3'; bucket: string; region: string; endpoint?: string; forcePathStyle: boolean };

export type QueueSettings =
  | { kind: 'table'; maxReceives: number }
  | { kind: 'sqs'; queueUrl: string; deadLetterQueueUrl: string; region: string; endpoint?: string; maxReceives: number };

/** How a queue consumer (the worker process, or the gateway's embedded one) handles messages. */
export interface IngestSettings {
  /** How long a received message stays hidden; work in progress heartbeats it every third of it. */
  visibilityTimeoutSeconds: number;
  /** Messages held beyond the ones in work (default: as many as the engine has threads). */
  prefetch?: number;
  /** Long-poll wait of one receive. */
  waitSeconds: number;
}

/**
 * What every process of the service opens the same way (database, vector index, blob store,
 * queue, engine): the gateway and the worker both read it with `loadStackConfig`.
 */
export interface StackConfig {
  mode: GatewayMode;
  dataDir: string;
  database: DatabaseConfig;
  vectorIndex: VectorIndexKind;
  pinecone?: PineconeSettings;
  /** Seals API key secrets at rest; undefined in embedded mode means "generate into the data dir". */
  serverKey?: string;
  blobStore: BlobStoreSettings;
  queue: QueueSettings;
  /** Explicit AWS keys (AWS_ACCESS_KEY_ID…); undefined leaves S3/SQS to the SDK's default chain (roles). */
  awsCredentials?: AwsCredentials;
  ingest: IngestSettings;
  /** Largest album photo, uploaded or direct (bigger files are rejected, nothing kept). */
  albumPhotoLimitBytes: number;
  logLevel: LogLevel;
  modelSet: string;
  engine: EngineConfig;
}

/** Storefront (public) rate limits: token buckets refilled per minute, with that many as the burst. */
export interface PublicRateLimits {
  searchesPerIpPerMinute: number;
  searchesPerAlbumPerMinute: number;
  /** Album info, photos, thumbnails and downloads per IP. */
  fetchesPerIpPerMinute: number;
}

export interface GatewayConfig extends StackConfig {
  host: string;
  port: number;
  /** Run an ingest worker inside the gateway (default on in embedded mode). */
  embeddedWorker: boolean;
  publicRateLimits: PublicRateLimits;
  /** Largest AWS-protocol JSON body: a 5 MB image is ~6.7 MB in base64. */
  jsonBodyLimitBytes: number;
  /** Largest file part in a REST multipart upload. */
  uploadFileLimitBytes: number;
  sigv4ClockSkewSeconds: number;
  /** Regions a SigV4 credential scope may name; ['*'] accepts any. */
  sigv4Regions: string[];
  /** How long shutdown waits for in-flight requests before closing connections. */
  shutdownTimeoutMs: number;
  /** Honour X-Forwarded-* from a load balancer (express `trust proxy`). */
  trustProxy: boolean;
  /** Lifetime of cached API key and collection lookups (0: no cache); changes invalidate them at once. */
  lookupCacheMs: number;
}

export interface EnvVarDoc {
  name: string;
  default: string;
  doc: string;
}

const MB = 1024 * 1024;

/** Every variable the gateway reads (engine and database variables included), for .env.example. */
export const GATEWAY_ENV_VARS: readonly EnvVarDoc[] = [
  { name: 'FACEREC_MODE', default: 'embedded', doc: 'embedded: PGlite in the data dir, migrations run at start, a default tenant and key are created. production: Postgres required, schema must already be current, FACEREC_SERVER_KEY required.' },
  { name: 'HOST', default: '127.0.0.1', doc: 'Address the HTTP server listens on (default 127.0.0.1 in embedded mode, 0.0.0.0 in production).' },
  { name: 'PORT', default: '8080', doc: 'HTTP port.' },
  { name: 'FACEREC_DATA_DIR', default: './.facerec/data', doc: 'Embedded database, local vector index snapshots, generated server key and the first API key.' },
  { name: 'POSTGRES_URL', default: '', doc: 'Postgres connection string; when neither this nor POSTGRES_HOST is set, embedded PGlite is used.' },
  { name: 'POSTGRES_HOST', default: '', doc: 'Postgres host (with POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB).' },
  { name: 'POSTGRES_PORT', default: '5432', doc: 'Postgres port.' },
  { name: 'POSTGRES_USER', default: 'postgres', doc: 'Postgres user.' },
  { name: 'POSTGRES_PASSWORD', default: '', doc: 'Postgres password.' },
  { name: 'POSTGRES_DB', default: 'postgres', doc: 'Postgres database.' },
  { name: 'POSTGRES_SCHEMA', default: '', doc: 'Schema for all tables (created if missing).' },
  { name: 'VECTOR_INDEX', default: 'local', doc: 'local (in-process, snapshots in the data dir), pgvector (needs the extension; PGlite loads it) or pinecone.' },
  { name: 'PINECONE_API_KEY', default: '', doc: 'Pinecone API key (VECTOR_INDEX=pinecone).' },
  { name: 'PINECONE_INDEX_HOST', default: '', doc: "Pinecone index data-plane host, e.g. https://faces-abc.svc.pinecone.io (VECTOR_INDEX=pinecone)." },
  { name: 'FACEREC_SERVER_KEY', default: '', doc: '32-byte key (base64 or hex) sealing API key secrets at rest. Required in production; embedded mode generates <data dir>/server.key on first start.' },
  { name: 'JSON_BODY_LIMIT_BYTES', default: String(8 * MB), doc: 'Largest AWS-protocol request body (a 5 MB image is ~6.7 MB in base64).' },
  { name: 'UPLOAD_FILE_LIMIT_BYTES', default: String(15 * MB), doc: 'Largest file in a REST multipart upload.' },
  { name: 'SIGV4_CLOCK_SKEW_SECONDS', default: '300', doc: 'How far a SigV4 X-Amz-Date may be from the server clock.' },
  { name: 'SIGV4_REGIONS', default: '*', doc: 'Comma-separated regions a SigV4 credential scope may name; * accepts any (a single server has no regions).' },
  { name: 'LOG_LEVEL', default: 'info', doc: 'fatal, error, warn, info, debug, trace or silent.' },
  { name: 'SHUTDOWN_TIMEOUT_SECONDS', default: '30', doc: 'On SIGTERM/SIGINT, how long in-flight requests may finish before connections are closed.' },
  { name: 'TRUST_PROXY', default: 'false', doc: 'Trust X-Forwarded-* headers (behind a load balancer).' },
  { name: 'FACEREC_LOOKUP_CACHE_SECONDS', default: '300', doc: 'Cache the API key and collection that every request looks up, for at most this long (0: off). Exact: the database notifies every change (LISTEN/NOTIFY) and the entry goes; while that notification channel is down nothing is cached.' },
  { name: 'FACEREC_MODEL_SET', default: DEFAULT_MODEL_SET, doc: 'Which model set (detector, embedder, attributes) the engine runs.' },
  { name: 'FACEREC_MODEL_CACHE', default: './.facerec/models', doc: 'Converted ONNX models cache.' },
  { name: 'FACEREC_THREADS', default: '', doc: 'Engine worker threads (default: the number of cores).' },
  { name: 'FACEREC_QUEUE_LIMIT', default: '64', doc: 'Images waiting for an engine thread before API callers get ProvisionedThroughputExceededException / 429; album ingestion waits for room instead of being refused.' },
  { name: 'MAX_IMAGE_PIXELS', default: '40000000', doc: 'Largest decoded image in pixels.' },
  { name: 'MAX_FACES_PER_IMAGE', default: '100', doc: 'Most faces kept per image, largest first.' },
  { name: 'MIN_FACE_CONFIDENCE', default: '50', doc: 'Detector confidence (0-100) below which a face is dropped.' },
];

/** Album storage, queue and ingestion: read by the gateway and the worker alike. */
export const STACK_ENV_VARS: readonly EnvVarDoc[] = [
  { name: 'FACEREC_BLOB_STORE', default: 'fs', doc: 'Where album photos are kept: fs (<data dir>/blobs) or s3.' },
  { name: 'S3_BUCKET', default: '', doc: 'Bucket for album photos (FACEREC_BLOB_STORE=s3).' },
  { name: 'S3_REGION', default: 'us-east-1', doc: 'Region of the bucket (default AWS_REGION, then us-east-1).' },
  { name: 'S3_ENDPOINT', default: '', doc: 'S3-compatible endpoint (MinIO, s3rver), e.g. http://minio:9000; empty for AWS.' },
  { name: 'S3_FORCE_PATH_STYLE', default: 'false', doc: 'Path-style bucket URLs (needed by most S3-compatible stores).' },
  { name: 'FACEREC_QUEUE', default: 'table', doc: 'Album ingestion queue: table (a Postgres table, FOR UPDATE SKIP LOCKED) or sqs.' },
  { name: 'SQS_QUEUE_URL', default: '', doc: 'Ingestion queue URL (FACEREC_QUEUE=sqs).' },
  { name: 'SQS_DLQ_URL', default: '', doc: "Its dead-letter queue's URL (the queue's RedrivePolicy must point at it)." },
  { name: 'SQS_ENDPOINT', default: '', doc: 'SQS-compatible endpoint (ElasticMQ, local-aws-sqs); empty for AWS.' },
  { name: 'SQS_REGION', default: 'us-east-1', doc: 'Region of the queues (default AWS_REGION, then us-east-1).' },
  { name: 'QUEUE_MAX_RECEIVES', default: '5', doc: 'Receives before a photo is marked failed and its message dead-lettered (match the SQS maxReceiveCount).' },
  { name: 'QUEUE_VISIBILITY_TIMEOUT_SECONDS', default: '60', doc: 'How long a received photo stays hidden from other workers; a crashed worker\'s photos come back after it.' },
  { name: 'QUEUE_PREFETCH', default: '', doc: 'Messages a worker holds beyond those in work (default: the engine thread count).' },
  { name: 'QUEUE_WAIT_SECONDS', default: '5', doc: 'Long-poll wait of one receive (SQS at most 20).' },
  { name: 'ALBUM_PHOTO_LIMIT_BYTES', default: String(25 * MB), doc: 'Largest album photo; bigger uploads are rejected (413) and nothing is kept.' },
  { name: 'AWS_ACCESS_KEY_ID', default: '', doc: 'Explicit S3/SQS credentials (with AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); empty: the SDK default chain (instance or task role).' },
  { name: 'AWS_SECRET_ACCESS_KEY', default: '', doc: 'See AWS_ACCESS_KEY_ID.' },
  { name: 'AWS_SESSION_TOKEN', default: '', doc: 'See AWS_ACCESS_KEY_ID.' },
];

/** The gateway's own album settings. */
export const ALBUM_GATEWAY_ENV_VARS: readonly EnvVarDoc[] = [
  { name: 'FACEREC_EMBEDDED_WORKER', default: 'true', doc: 'Also run an ingest worker inside the gateway (default true in embedded mode, false in production, where `facerec worker` processes do it).' },
  { name: 'PUBLIC_SEARCHES_PER_IP_PER_MINUTE', default: '12', doc: 'Storefront selfie searches per client IP per minute (burst of the same size); beyond it 429 + Retry-After.' },
  { name: 'PUBLIC_SEARCHES_PER_ALBUM_PER_MINUTE', default: '120', doc: 'Storefront selfie searches per album per minute, all guests together.' },
  { name: 'PUBLIC_FETCHES_PER_IP_PER_MINUTE', default: '1200', doc: 'Storefront album info, photo, thumbnail and download requests per client IP per minute.' },
];

/** Database, vectors, blobs, queue, engine: the part every process of the service shares. */
export function loadStackConfig(env: Env = process.env): StackConfig {
  const mode = envEnum(env, 'FACEREC_MODE', ['embedded', 'production'] as const, 'embedded');
  const dataDir = path.resolve(envString(env, 'FACEREC_DATA_DIR', path.join('.facerec', 'data')));
  const vectorIndex = envEnum(env, 'VECTOR_INDEX', ['local', 'pgvector', 'pinecone'] as const, 'local');
  const database = databaseConfigFromEnv(env, dataDir);
  if (database.kind === 'pglite' && vectorIndex === 'pgvector') database.vector = true;
  const serverKey = envOptionalString(env, 'FACEREC_SERVER_KEY');
  if (mode === 'production') {
    if (database.kind !== 'postgres') throw new ConfigError('FACEREC_MODE=production needs POSTGRES_URL or POSTGRES_HOST');
    if (!serverKey) throw new ConfigError('FACEREC_MODE=production needs FACEREC_SERVER_KEY (32 bytes, base64 or hex)');
  }
  const prefetch = envOptionalString(env, 'QUEUE_PREFETCH');
  const config: StackConfig = {
    mode,
    dataDir,
    database,
    vectorIndex,
    blobStore: blobStoreSettings(env, dataDir),
    queue: queueSettings(env),
    ingest: {
      visibilityTimeoutSeconds: envNumber(env, 'QUEUE_VISIBILITY_TIMEOUT_SECONDS', 60, { min: 1, max: 43_200, integer: true }),
      waitSeconds: envNumber(env, 'QUEUE_WAIT_SECONDS', 5, { min: 0, max: 20, integer: true }),
      ...(prefetch !== undefined ? { prefetch: envNumber(env, 'QUEUE_PREFETCH', 0, { min: 0, max: 1000, integer: true }) } : {}),
    },
    albumPhotoLimitBytes: envNumber(env, 'ALBUM_PHOTO_LIMIT_BYTES', 25 * MB, { min: 1024, integer: true }),
    logLevel: envEnum(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    modelSet: envString(env, 'FACEREC_MODEL_SET', DEFAULT_MODEL_SET),
    engine: loadEngineConfig(env),
  };
  if (serverKey) config.serverKey = serverKey;
  if (vectorIndex === 'pinecone') config.pinecone = pineconeSettings(env);
  const credentials = awsCredentials(env);
  if (credentials) config.awsCredentials = credentials;
  return config;
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const stack = loadStackConfig(env);
  const { mode } = stack;
  const config: GatewayConfig = {
    ...stack,
    host: envString(env, 'HOST', mode === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    port: envNumber(env, 'PORT', 8080, { min: 0, max: 65535, integer: true }),
    embeddedWorker: envBoolean(env, 'FACEREC_EMBEDDED_WORKER', mode === 'embedded'),
    publicRateLimits: {
      searchesPerIpPerMinute: envNumber(env, 'PUBLIC_SEARCHES_PER_IP_PER_MINUTE', 12, { min: 1 }),
      searchesPerAlbumPerMinute: envNumber(env, 'PUBLIC_SEARCHES_PER_ALBUM_PER_MINUTE', 120, { min: 1 }),
      fetchesPerIpPerMinute: envNumber(env, 'PUBLIC_FETCHES_PER_IP_PER_MINUTE', 1200, { min: 1 }),
    },
    jsonBodyLimitBytes: envNumber(env, 'JSON_BODY_LIMIT_BYTES', 8 * MB, { min: 1024, integer: true }),
    uploadFileLimitBytes: envNumber(env, 'UPLOAD_FILE_LIMIT_BYTES', 15 * MB, { min: 1024, integer: true }),
    sigv4ClockSkewSeconds: envNumber(env, 'SIGV4_CLOCK_SKEW_SECONDS', 300, { min: 1, integer: true }),
    sigv4Regions: parseRegions(envString(env, 'SIGV4_REGIONS', '*')),
    shutdownTimeoutMs: envNumber(env, 'SHUTDOWN_TIMEOUT_SECONDS', 30, { min: 0 }) * 1000,
    trustProxy: envBoolean(env, 'TRUST_PROXY', false),
    lookupCacheMs: envNumber(env, 'FACEREC_LOOKUP_CACHE_SECONDS', 300, { min: 0 }) * 1000,
  };
  return config;
}

/** What `Image.S3Object.Bucket` must say: the S3 bucket, or `facerec` for the filesystem store. */
export function s3ObjectBucket(settings: BlobStoreSettings): string {
  return settings.kind === 's3' ? settings.bucket : 'facerec';
}

function blobStoreSettings(env: Env, dataDir: string): BlobStoreSettings {
  const kind = envEnum(env, 'FACEREC_BLOB_STORE', ['fs', 's3'] as const, 'fs');
  if (kind === 'fs') return { kind, root: path.join(dataDir, 'blobs') };
  const bucket = envOptionalString(env, 'S3_BUCKET');
  if (!bucket) throw new ConfigError('FACEREC_BLOB_STORE=s3 needs S3_BUCKET');
  const endpoint = envOptionalString(env, 'S3_ENDPOINT');
  return {
    kind,
    bucket,
    region: envString(env, 'S3_REGION', envString(env, 'AWS_REGION', 'us-east-1')),
    forcePathStyle: envBoolean(env, 'S3_FORCE_PATH_STYLE', false),
    ...(endpoint ? { endpoint } : {}),
  };
}

function queueSettings(env: Env): QueueSettings {
  const kind = envEnum(env, 'FACEREC_QUEUE', ['table', 'sqs'] as const, 'table');
  const maxReceives = envNumber(env, 'QUEUE_MAX_RECEIVES', 5, { min: 1, max: 1000, integer: true });
  if (kind === 'table') return { kind, maxReceives };
  const queueUrl = envOptionalString(env, 'SQS_QUEUE_URL');
  const deadLetterQueueUrl = envOptionalString(env, 'SQS_DLQ_URL');
  if (!queueUrl || !deadLetterQueueUrl) throw new ConfigError('FACEREC_QUEUE=sqs needs SQS_QUEUE_URL and SQS_DLQ_URL');
  const endpoint = envOptionalString(env, 'SQS_ENDPOINT');
  return {
    kind,
    queueUrl,
    deadLetterQueueUrl,
    region: envString(env, 'SQS_REGION', envString(env, 'AWS_REGION', 'us-east-1')),
    maxReceives,
    ...(endpoint ? { endpoint } : {}),
  };
}

function awsCredentials(env: Env): AwsCredentials | undefined {
  const accessKeyId = envOptionalString(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = envOptionalString(env, 'AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) throw new ConfigError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together');
  const sessionToken = envOptionalString(env, 'AWS_SESSION_TOKEN');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

function parseRegions(text: string): string[] {
  const regions = text.split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (regions.length === 0) throw new ConfigError('SIGV4_REGIONS must name at least one region or *');
  return regions;
}

function pineconeSettings(env: Env): PineconeSettings {
  const apiKey = envOptionalString(env, 'PINECONE_API_KEY');
  const host = envOptionalString(env, 'PINECONE_INDEX_HOST');
  if (!apiKey || !host) throw new ConfigError('VECTOR_INDEX=pinecone needs PINECONE_API_KEY and PINECONE_INDEX_HOST');
  return { apiKey, host };
}

/** The gateway's part of .env.example: every variable, commented, with its default. */
export function renderEnvExample(vars: readonly EnvVarDoc[] = [...GATEWAY_ENV_VARS, ...STACK_ENV_VARS, ...ALBUM_GATEWAY_ENV_VARS]): string {
  const blocks = vars.map((v) => `# ${v.doc}\n# ${v.name}=${v.default}`);
  return `# --- gateway (facerec serve) ---\n${blocks.join('\n\n')}\n`;
}
