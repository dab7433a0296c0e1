/**
 * Runs the kysely migrations in /migrations for `facerec migrate up|down|history|new` and refuses
 * to start the app on a schema it does not know.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { DEFAULT_MIGRATION_TABLE, Migrator } from 'kysely/migration';
import type { Migration, MigrationProvider, MigrationResultSet } from 'kysely/migration';
import { MigrationFailedError, SchemaAheadError, SchemaBehindError } from './errors.js';
import type { Database } from './schema.js';

/** /migrations at the repository root, found relative to this file (packages/db/src). */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

const MIGRATION_FILE = /^(\d{4,})_[a-z0-9_]+\.(ts|js|mjs)$/;

export interface MigratorOptions {
  migrationsDir?: string;
}

/**
 * Loads every `NNNN_name.ts` in the directory with a dynamic ESM import (kysely's own
 * FileMigrationProvider is CommonJS-minded about paths and extensions).
 */
export class EsmFolderMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const file of await listMigrationFiles(this.dir)) {
      const module: unknown = await import(pathToFileURL(join(this.dir, file)).href);
      migrations[migrationName(file)] = asMigration(file, module);
    }
    return migrations;
  }
}

async function listMigrationFiles(dir: string): Promise<string[]> {
  const files = await readdir(dir);
  return files.filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts')).sort();
}

function migrationName(file: string): string {
  return file.replace(/\.(ts|js|mjs)$/, '');
}

function asMigration(file: string, module: unknown): Migration {
  const candidate = module as Partial<Migration>;
  if (typeof candidate.up !== 'function' || typeof candidate.down !== 'function') {
    throw new MigrationFailedError(file, new Error('a migration must export functions up and down'));
  }
  return { up: candidate.up, down: candidate.down };
}

/**
 * kysely's migrator, with its bookkeeping tables pinned to the connection's current schema: left
 * unqualified, kysely would take a `kysely_migration` table in any other schema of the database
 * (another tenant of a shared database, a test schema left behind) as its own and skip creating it.
 */
async function createMigrator(db: Kysely<Database>, options: MigratorOptions): Promise<Migrator> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({
    db,
    provider: new EsmFolderMigrationProvider(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR),
    migrationTableSchema: rows[0].schema,
  });
}

export interface MigrationStep {
  name: string;
  direction: 'Up' | 'Down';
}

function unwrap(resultSet: MigrationResultSet): MigrationStep[] {
  if (resultSet.error !== undefined) {
    const failed = resultSet.results?.find((result) => result.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName, resultSet.error);
  }
  return (resultSet.results ?? []).map((result) => ({ name: result.migrationName, direction: result.direction }));
}

/** Applies every pending migration; returns the ones applied, in order. */
export async function migrateUp(db: Kysely<Database>, options: MigratorOptions = {}): Promise<MigrationStep[]> {
  return unwrap(await (await createMigrator(db, options)).migrateToLatest());
}

/** Reverts the most recent migration (one step, like `migrate down` in most tools). */
export async function migrateDown(db: Kysely<Database>, options: MigratorOptions = {}): Promise<MigrationStep[]> {
  return unwrap(await (await createMigrator(db, options)).migrateDown());
}

export interface MigrationHistoryEntry {
  name: string;
  /** undefined: known to the code but not applied. */
  executedAt?: Date;
  /** false: applied to the database but absent from this code (a newer version ran it). */
  known: boolean;
}

export async function migrationHistory(
  db: Kysely<Database>,
  options: MigratorOptions = {},
): Promise<MigrationHistoryEntry[]> {
  const known = await (await createMigrator(db, options)).getMigrations();
  const executed = await readExecutedMigrations(db);
  const entries: MigrationHistoryEntry[] = known.map((info) => ({
    name: info.name,
    known: true,
    ...(info.executedAt ? { executedAt: info.executedAt } : {}),
  }));
  const knownNames = new Set(known.map((info) => info.name));
  for (const row of executed) {
    if (!knownNames.has(row.name)) entries.push({ name: row.name, executedAt: row.executedAt, known: false });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Throws SchemaAheadError or SchemaBehindError unless the database has exactly our migrations. */
export async function assertSchemaCurrent(db: Kysely<Database>, options: MigratorOptions = {}): Promise<void> {
  const history = await migrationHistory(db, options);
  const unknown = history.filter((entry) => !entry.known).map((entry) => entry.name);
  if (unknown.length > 0) throw new SchemaAheadError(unknown);
  const pending = history.filter((entry) => entry.executedAt === undefined).map((entry) => entry.name);
  if (pending.length > 0) throw new SchemaBehindError(pending);
}

interface ExecutedMigration {
  name: string;
  executedAt: Date;
}

async function readExecutedMigrations(db: Kysely<Database>): Promise<ExecutedMigration[]> {
  // to_regclass follows search_path, as kysely does when it creates the table.
  const exists = await sql<{ table: string | null }>`select to_regclass(${DEFAULT_MIGRATION_TABLE})::text as table`.execute(db);
  if (!exists.rows[0]?.table) return [];
  const rows = await sql<{ name: string; timestamp: string }>`select name, timestamp from ${sql.table(
    DEFAULT_MIGRATION_TABLE,
  )} order by name`.execute(db);
  return rows.rows.map((row) => ({ name: row.name, executedAt: new Date(row.timestamp) }));
}

/**
 * Writes `NNNN_<name>.ts` with empty up/down, numbered after the highest existing migration.
 * Returns the new file's path.
 */
export async function createMigrationFile(name: string, options: MigratorOptions = {}): Promise<string> {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new Error(`Migration name must contain letters or digits: ${JSON.stringify(name)}`);
  const dir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const numbers = (await listMigrationFiles(dir)).map((file) => Number(MIGRATION_FILE.exec(file)?.[1] ?? 0));
  const next = String(Math.max(0, ...numbers) + 1).padStart(4, '0');
  const path = join(dir, `${next}_${slug}.ts`);
  await writeFile(path, migrationTemplate(), { flag: 'wx' });
  return path;
}

function migrationTemplate(): string {
  return `import { sql } from '../packages/db/src/migration-kit.js';
import type { Kysely } from '../packages/db/src/migration-kit.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql\`select 1\`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql\`select 1\`.execute(db);
}
`;
}
