import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { SchemaAheadError, SchemaBehindError } from './errors.js';
import { assertSchemaCurrent, createMigrationFile, migrateDown, migrateUp, migrationHistory } from './migrator.js';
import { openPGliteTestDatabase, openPostgresTestDatabase } from './testing/test-databases.js';
import type { TestDatabase } from './testing/test-databases.js';

const EXPECTED_TABLES = ['albums', 'api_keys', 'collections', 'faces', 'image_queue', 'images', 'tenants', 'users'];

/** The migrations the repository ships, in order (the migrator must apply exactly these). */
const SHIPPED = (await readdir(new URL('../../../migrations/', import.meta.url)))
  .filter((f) => /^\d{4}_.+\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

async function tablesOf(database: TestDatabase): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by 1`.execute(database.db);
  return result.rows.map((row) => row.name);
}

function migratorSuite(open: typeof openPGliteTestDatabase): void {
  let database: TestDatabase;
  before(async () => {
    database = await open({ migrate: false });
  });
  after(async () => {
    await database?.dispose();
  });

  test('an empty database is behind; up applies every migration and makes it current', async () => {
    await assert.rejects(assertSchemaCurrent(database.db), SchemaBehindError);
    const applied = await migrateUp(database.db);
    assert.ok(SHIPPED.length >= 3 && SHIPPED[0] === '0001_initial');
    assert.deepEqual(applied, SHIPPED.map((name) => ({ name, direction: 'Up' })));
    assert.deepEqual(await tablesOf(database), EXPECTED_TABLES);
    await assertSchemaCurrent(database.db);
    const history = await migrationHistory(database.db);
    assert.equal(history.length, SHIPPED.length);
    assert.ok(history.every((h) => h.known));
    assert.ok(history[0].executedAt instanceof Date);
    assert.deepEqual(await migrateUp(database.db), []);
  });

  test('down reverts one migration at a time, the last first, and leaves no table behind', async () => {
    for (const name of [...SHIPPED].reverse()) {
      assert.deepEqual(await migrateDown(database.db), [{ name, direction: 'Down' }]);
    }
    assert.deepEqual(await tablesOf(database), []);
    const error = await assertSchemaCurrent(database.db).catch((e: unknown) => e);
    assert.ok(error instanceof SchemaBehindError);
    assert.deepEqual(error.pending, SHIPPED);
    await migrateUp(database.db);
  });

  test('a database migrated by newer code is refused as ahead', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', ${new Date().toISOString()})`.execute(
      database.db,
    );
    try {
      const error = await assertSchemaCurrent(database.db).catch((e: unknown) => e);
      assert.ok(error instanceof SchemaAheadError);
      assert.deepEqual(error.unknown, ['9999_from_the_future']);
      const history = await migrationHistory(database.db);
      assert.deepEqual(
        history.map((entry) => [entry.name, entry.known]),
        [...SHIPPED.map((name) => [name, true]), ['9999_from_the_future', false]],
      );
    } finally {
      await sql`delete from kysely_migration where name = '9999_from_the_future'`.execute(database.db);
    }
  });
}

describe('migrator on real Postgres', () => migratorSuite(openPostgresTestDatabase));
describe('migrator on PGlite', () => migratorSuite(openPGliteTestDatabase));

describe('createMigrationFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facerec-migrations-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('numbers files after the highest existing one and writes up and down', async () => {
    await writeFile(join(dir, '0001_initial.ts'), '');
    await writeFile(join(dir, '0007_later.ts'), '');
    const path = await createMigrationFile('Add Face Tags!', { migrationsDir: dir });
    assert.equal(path, join(dir, '0008_add_face_tags.ts'));
    const text = await readFile(path, 'utf8');
    assert.match(text, /export async function up\(db: Kysely<unknown>\)/);
    assert.match(text, /export async function down\(db: Kysely<unknown>\)/);
    assert.deepEqual((await readdir(dir)).sort(), ['0001_initial.ts', '0007_later.ts', '0008_add_face_tags.ts']);
    await assert.rejects(createMigrationFile('!!!', { migrationsDir: dir }));
  });
});

test('two schemas of one Postgres database migrate side by side (the bookkeeping tables are per schema)', async () => {
  const first = await openPostgresTestDatabase();
  try {
    // The first schema's kysely_migration tables must not pass for the second's.
    const second = await openPostgresTestDatabase();
    try {
      assert.deepEqual(await tablesOf(second), EXPECTED_TABLES);
      assert.deepEqual((await migrationHistory(second.db)).map((m) => m.name), SHIPPED);
    } finally {
      await second.dispose();
    }
  } finally {
    await first.dispose();
  }
});
