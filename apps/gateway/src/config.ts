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

export interface GatewayConfig {
  mode: GatewayMode;
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseConfig;
  vectorIndex: VectorIndexKind;
  pinecone?: PineconeSettings;
  /** Seals API key secrets at rest; undefined in embedded mode means "generate into the data dir". */
  serverKey?: string;
  /** Largest AWS-protocol JSON body: a 5 MB image is ~6.7 MB in base64. */
  jsonBodyLimitBytes: number;
  /** Largest file part in a REST multipart upload. */
  uploadFileLimitBytes: number;
  sigv4ClockSkewSeconds: number;
  /** Regions a SigV4 credential scope may name; ['*'] accepts any. */
  sigv4Regions: string[];
  logLevel: LogLevel;
  /** How long shutdown waits for in-flight requests before closing connections. */
  shutdownTimeoutMs: number;
  /** Honour X-Forwarded-* from a load balancer (express `trust proxy`). */
  trustProxy: boolean;
  modelSet: string;
  engine: EngineConfig;
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
  { name: 'FACEREC_MODEL_SET', default: DEFAULT_MODEL_SET, doc: 'Which model set (detector, embedder, attributes) the engine runs.' },
  { name: 'FACEREC_MODEL_CACHE', default: './.facerec/models', doc: 'Converted ONNX models cache.' },
  { name: 'FACEREC_THREADS', default: '', doc: 'Engine worker threads (default: the number of cores).' },
  { name: 'FACEREC_QUEUE_LIMIT', default: '64', doc: 'Images waiting for an engine thread before callers get ProvisionedThroughputExceededException / 429.' },
  { name: 'MAX_IMAGE_PIXELS', default: '40000000', doc: 'Largest decoded image in pixels.' },
  { name: 'MAX_FACES_PER_IMAGE', default: '100', doc: 'Most faces kept per image, largest first.' },
  { name: 'MIN_FACE_CONFIDENCE', default: '50', doc: 'Detector confidence (0-100) below which a face is dropped.' },
];

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
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
  const config: GatewayConfig = {
    mode,
    host: envString(env, 'HOST', mode === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    port: envNumber(env, 'PORT', 8080, { min: 0, max: 65535, integer: true }),
    dataDir,
    database,
    vectorIndex,
    jsonBodyLimitBytes: envNumber(env, 'JSON_BODY_LIMIT_BYTES', 8 * MB, { min: 1024, integer: true }),
    uploadFileLimitBytes: envNumber(env, 'UPLOAD_FILE_LIMIT_BYTES', 15 * MB, { min: 1024, integer: true }),
    sigv4ClockSkewSeconds: envNumber(env, 'SIGV4_CLOCK_SKEW_SECONDS', 300, { min: 1, integer: true }),
    sigv4Regions: parseRegions(envString(env, 'SIGV4_REGIONS', '*')),
    logLevel: envEnum(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    shutdownTimeoutMs: envNumber(env, 'SHUTDOWN_TIMEOUT_SECONDS', 30, { min: 0 }) * 1000,
    trustProxy: envBoolean(env, 'TRUST_PROXY', false),
    modelSet: envString(env, 'FACEREC_MODEL_SET', DEFAULT_MODEL_SET),
    engine: loadEngineConfig(env),
  };
  if (serverKey) config.serverKey = serverKey;
  if (vectorIndex === 'pinecone') config.pinecone = pineconeSettings(env);
  return config;
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
export function renderEnvExample(vars: readonly EnvVarDoc[] = GATEWAY_ENV_VARS): string {
  const blocks = vars.map((v) => `# ${v.doc}\n# ${v.name}=${v.default}`);
  return `# --- gateway (facerec serve) ---\n${blocks.join('\n\n')}\n`;
}
