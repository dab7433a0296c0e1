/**
 * Opens the database. Production talks to Postgres through a pg.Pool; the embedded default runs
 * PGlite (Postgres in wasm) behind the node-postgres adapter, so both kinds share kysely's
 * PostgresDialect, the same SQL and the same migrations.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DatabaseUnavailableError } from './errors.js';
import type { Database } from './schema.js';

export interface PostgresConfig {
  kind: 'postgres';
  /** A full connection string; when given, host/port/user/password/database are ignored. */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** Schema for all tables (created if missing); default: the server's search_path. */
  schema?: string;
  poolSize?: number;
  /** Shown in pg_stat_activity (default `facerec`; the LISTEN connection adds `:listen`). */
  applicationName?: string;
}

export interface PGliteConfig {
  kind: 'pglite';
  /** Data directory; undefined keeps the database in memory (tests). */
  dataDir?: string;
  /** Load pgvector into PGlite (needed by PgvectorIndex). */
  vector?: boolean;
}

export type DatabaseConfig = PostgresConfig | PGliteConfig;

export interface DatabaseConnection {
  db: Kysely<Database>;
  kind: DatabaseConfig['kind'];
  /**
   * LISTEN on `channel`: `onPayload` gets each notification's payload (delivered at the sender's
   * commit). Postgres listens on a connection of its own; `onLost` is called once if it drops, after
   * which this subscription delivers nothing (listen again). PGlite is in-process and never loses it.
   */
  listen(channel: string, onPayload: (payload: string) => void, onLost: (error: unknown) => void): Promise<Subscription>;
  close(): Promise<void>;
}

export interface Subscription {
  close(): Promise<void>;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function connect(config: DatabaseConfig): Promise<DatabaseConnection> {
  return config.kind === 'postgres' ? connectPostgres(config) : connectPGlite(config);
}

/**
 * Reads POSTGRES_URL or POSTGRES_HOST/PORT/USER/PASSWORD/DB (+ POSTGRES_SCHEMA). Without either,
 * falls back to embedded PGlite under `<dataDir>/pglite`.
 */
export function databaseConfigFromEnv(
  env: Record<string, string | undefined>,
  dataDir: string,
): DatabaseConfig {
  if (!env.POSTGRES_URL && !env.POSTGRES_HOST) {
    return { kind: 'pglite', dataDir: `${dataDir}/pglite` };
  }
  const config: PostgresConfig = { kind: 'postgres' };
  if (env.POSTGRES_URL) config.url = env.POSTGRES_URL;
  if (env.POSTGRES_HOST) config.host = env.POSTGRES_HOST;
  if (env.POSTGRES_PORT) config.port = Number(env.POSTGRES_PORT);
  if (env.POSTGRES_USER) config.user = env.POSTGRES_USER;
  if (env.POSTGRES_PASSWORD) config.password = env.POSTGRES_PASSWORD;
  if (env.POSTGRES_DB) config.database = env.POSTGRES_DB;
  if (env.POSTGRES_SCHEMA) config.schema = env.POSTGRES_SCHEMA;
  return config;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function connectPostgres(config: PostgresConfig): Promise<DatabaseConnection> {
  if (config.schema !== undefined && !SCHEMA_NAME.test(config.schema)) {
    throw new Error(`POSTGRES_SCHEMA must match ${SCHEMA_NAME.source}: ${config.schema}`);
  }
  const poolConfig: pg.PoolConfig = config.url
    ? { connectionString: config.url }
    : {
        host: config.host ?? '127.0.0.1',
        port: config.port ?? 5432,
        user: config.user ?? 'postgres',
        password: config.password,
        database: config.database ?? 'postgres',
      };
  poolConfig.max = config.poolSize ?? 10;
  poolConfig.application_name = config.applicationName ?? 'facerec';
  if (config.schema) {
    // The schema must exist before connections use it as their search_path.
    await createSchemaIfMissing(poolConfig, config.schema);
    poolConfig.options = `-c search_path=${config.schema}`;
  }
  const pool = new pg.Pool(poolConfig);
  // An idle connection cut by the server (restart, failover, idle timeout) is emitted here; with no
  // listener it would be an uncaught exception that kills the process. The pool has already dropped
  // that client and opens a new one on the next query, so there is nothing to do.
  pool.on('error', () => undefined);
  // A connection cut while checked out but between queries (inside a transaction that awaits
  // something else) emits 'error' on its client, where the pool listens only while it is idle: with
  // no listener, the worker died mid-album when Postgres stopped (seen in the restart test, 1 run in
  // 3). The next query on that client fails and the pool discards it, so the error is handled there.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await checkReachable(db, describeTarget(config));
  return { db, kind: 'postgres', listen: (channel, onPayload, onLost) => listenPostgres({ ...poolConfig, application_name: `${poolConfig.application_name}:listen` }, channel, onPayload, onLost), close: () => db.destroy() };
}

async function listenPostgres(config: pg.ClientConfig, channel: string, onPayload: (payload: string) => void, onLost: (error: unknown) => void): Promise<Subscription> {
  if (!CHANNEL_NAME.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  const client = new pg.Client(config);
  let done = false;
  const lost = (error: unknown): void => {
    if (done) return;
    done = true;
    client.end().catch(() => undefined);
    onLost(error);
  };
  client.on('notification', (message) => {
    if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
  });
  client.on('error', lost);
  client.on('end', () => lost(new Error('the listening connection ended')));
  try {
    await client.connect();
    await client.query(`listen ${channel}`);
  } catch (error) {
    done = true;
    await client.end().catch(() => undefined);
    throw new DatabaseUnavailableError(`Cannot listen on ${channel}: ${String(error)}`, error);
  }
  return {
    close: async () => {
      done = true;
      await client.end().catch(() => undefined);
    },
  };
}

async function createSchemaIfMissing(poolConfig: pg.PoolConfig, schema: string): Promise<void> {
  const client = new pg.Client(poolConfig);
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    throw new DatabaseUnavailableError(`Cannot prepare schema ${schema}: ${String(error)}`, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function connectPGlite(config: PGliteConfig): Promise<DatabaseConnection> {
  if (config.dataDir) await mkdir(config.dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    ...(config.vector ? { extensions: { vector } } : {}),
  });
  // One PGlite is one session: a second pool connection would interleave transactions.
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    listen: async (channel, onPayload) => {
      if (!CHANNEL_NAME.test(channel)) throw new Error(`Not a channel name: ${channel}`);
      const unlisten = await pglite.listen(channel, onPayload);
      return { close: () => (pglite.closed ? Promise.resolve() : unlisten()) };
    },
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}

async function checkReachable(db: Kysely<Database>, target: string): Promise<void> {
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new DatabaseUnavailableError(`Cannot reach Postgres at ${target}: ${String(error)}`, error);
  }
}

function describeTarget(config: PostgresConfig): string {
  if (config.url) return config.url.replace(/\/\/[^@/]*@/, '//***@');
  return `${config.host ?? '127.0.0.1'}:${config.port ?? 5432}/${config.database ?? 'postgres'}`;
}
