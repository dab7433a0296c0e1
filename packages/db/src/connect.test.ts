import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connect, databaseConfigFromEnv } from './connect.js';
import { DatabaseUnavailableError } from './errors.js';
import { assertSchemaCurrent, migrateUp } from './migrator.js';
import { TenantRepository } from './repositories/tenant-repository.js';

describe('databaseConfigFromEnv', () => {
  test('POSTGRES_* variables select Postgres', () => {
    const config = databaseConfigFromEnv(
      { POSTGRES_HOST: 'db', POSTGRES_PORT: '6543', POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p', POSTGRES_DB: 'facerec', POSTGRES_SCHEMA: 'app' },
      '/data',
    );
    assert.deepEqual(config, { kind: 'postgres', host: 'db', port: 6543, user: 'u', password: 'p', database: 'facerec', schema: 'app' });
    assert.deepEqual(databaseConfigFromEnv({ POSTGRES_URL: 'postgres://x/y' }, '/data'), { kind: 'postgres', url: 'postgres://x/y' });
  });

  test('without them the embedded PGlite lives in the data directory', () => {
    assert.deepEqual(databaseConfigFromEnv({}, '/data'), { kind: 'pglite', dataDir: '/data/pglite' });
  });
});

describe('connect', () => {
  test('an unreachable Postgres is a DatabaseUnavailableError naming the target', async () => {
    await assert.rejects(connect({ kind: 'postgres', host: '127.0.0.1', port: 1, database: 'test' }), (error: unknown) => {
      assert.ok(error instanceof DatabaseUnavailableError);
      assert.match(error.message, /127\.0\.0\.1:1\/test/);
      return true;
    });
  });

  test('an invalid schema name is refused before connecting', async () => {
    await assert.rejects(connect({ kind: 'postgres', schema: 'bad; drop table x' }), /POSTGRES_SCHEMA/);
  });

  test('embedded PGlite keeps its data in the data directory across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facerec-pglite-'));
    try {
      const first = await connect({ kind: 'pglite', dataDir: dir });
      await migrateUp(first.db);
      const tenant = await new TenantRepository(first.db).create({ name: 'Studio Nord' });
      await first.close();

      const second = await connect({ kind: 'pglite', dataDir: dir });
      try {
        assert.equal(second.kind, 'pglite');
        await assertSchemaCurrent(second.db);
        assert.equal((await new TenantRepository(second.db).get(tenant.id)).name, 'Studio Nord');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
