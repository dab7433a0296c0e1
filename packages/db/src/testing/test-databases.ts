/**
 * Test databases: real Postgres (a throw-away schema per test file in the `test` database) and
 * in-memory PGlite. Repository suites run against both through `bothBackends`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { connect } from '../connect.js';
import type { DatabaseConnection } from '../connect.js';
import { migrateUp } from '../migrator.js';

export const START_POSTGRES_COMMAND = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

export interface TestDatabase extends DatabaseConnection {
  label: string;
  /** Closes the connection and, for Postgres, drops the schema. */
  dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Run all migrations (default true). */
  migrate?: boolean;
  /** PGlite only: load pgvector. */
  vector?: boolean;
  /** Postgres only: the connections' application_name. */
  applicationName?: string;
}

const PG_HOST = process.env.TEST_POSTGRES_HOST ?? '127.0.0.1';
const PG_PORT = Number(process.env.TEST_POSTGRES_PORT ?? 5432);
const PG_DATABASE = process.env.TEST_POSTGRES_DB ?? 'test';

/** Finds a role that trust auth lets in, or fails loudly with the command that starts Postgres. */
async function findPostgresUser(): Promise<string> {
  const candidates = process.env.TEST_POSTGRES_USER ? [process.env.TEST_POSTGRES_USER] : ['postgres', 'root'];
  const failures: string[] = [];
  for (const user of candidates) {
    const client = new pg.Client({ host: PG_HOST, port: PG_PORT, user, database: PG_DATABASE, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      return user;
    } catch (error) {
      failures.push(`${user}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(
    `Postgres is not reachable at ${PG_HOST}:${PG_PORT}/${PG_DATABASE} (${failures.join('; ')}).\n` +
      `Start it with:\n  ${START_POSTGRES_COMMAND}`,
  );
}

export async function openPostgresTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const user = await findPostgresUser();
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const connection = await connect({ kind: 'postgres', host: PG_HOST, port: PG_PORT, user, database: PG_DATABASE, schema, poolSize: 4, ...(options.applicationName ? { applicationName: options.applicationName } : {}) });
  if (options.migrate !== false) await migrateUp(connection.db);
  return {
    ...connection,
    label: 'postgres',
    dispose: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(connection.db);
      await connection.close();
    },
  };
}

export async function openPGliteTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const connection = await connect({ kind: 'pglite', ...(options.vector ? { vector: true } : {}) });
  if (options.migrate !== false) await migrateUp(connection.db);
  return { ...connection, label: 'pglite', dispose: () => connection.close() };
}

export const TEST_BACKENDS = [
  { name: 'postgres', open: openPostgresTestDatabase },
  { name: 'pglite', open: openPGliteTestDatabase },
] as const;
