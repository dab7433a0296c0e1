/**
 * The caches that gateways keep of API keys and collections, against real Postgres and PGlite:
 * a change made through other connections (as another gateway or the CLI would) reaches the cache
 * through the database's notification, cascades included, and a dropped listening connection
 * empties the caches and stands them aside until it listens again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { createRepositories, type Repositories } from '../repositories/repositories.js';
import { SecretBox } from '../secret-box.js';
import { openPGliteTestDatabase, openPostgresTestDatabase, type TestDatabase } from '../testing/test-databases.js';
import { ChangeFeed } from './change-feed.js';
import { createLookupCaches, type LookupCaches } from './lookup-caches.js';

/** Polls until `check` holds; notifications from other connections arrive asynchronously. */
async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`never happened: ${what}`);
}

function suite(open: () => Promise<TestDatabase>): void {
  let database: TestDatabase;
  let feed: ChangeFeed;
  let caches: LookupCaches;
  let cached: Repositories;
  /** Writes that bypass the caches: another process, as far as they can tell. */
  let other: Repositories;
  const box = new SecretBox(SecretBox.generateKey());

  before(async () => {
    database = await open();
    feed = await ChangeFeed.open(database, { retryMs: 50 });
    caches = createLookupCaches(feed, { ttlMs: 60_000 });
    cached = createRepositories(database.db, box, caches);
    other = createRepositories(database.db, box);
  });
  after(async () => {
    await feed.close();
    await database.dispose();
  });

  async function tenantWithKeyAndCollection(name: string) {
    const tenant = await other.tenants.create({ name });
    const key = await other.apiKeys.create(tenant.id, 'k');
    await other.collections.create({ tenantId: tenant.id, collectionId: 'c1', arn: 'arn', faceModelVersion: 'm' });
    assert.equal((await cached.apiKeys.findActive(key.accessKeyId))?.tenantId, tenant.id);
    assert.equal((await cached.collections.get(tenant.id, 'c1')).collectionId, 'c1');
    return { tenant, key };
  }

  test('lookups are cached; a key revoked elsewhere stops working once its notification arrives', async () => {
    const { tenant, key } = await tenantWithKeyAndCollection('revoked elsewhere');
    assert.equal(caches.apiKeys.size > 0 && caches.collections.size > 0, true);
    assert.equal((await cached.apiKeys.verifySecret(key.accessKeyId, key.secretAccessKey))?.tenantId, tenant.id);
    await other.apiKeys.revoke(tenant.id, key.accessKeyId);
    await eventually('the revoked key is refused', async () => (await cached.apiKeys.findActive(key.accessKeyId)) === undefined);
    assert.equal(await cached.apiKeys.verifySecret(key.accessKeyId, key.secretAccessKey), undefined);
  });

  test('a revoke through the caching repositories applies at once', async () => {
    const { tenant, key } = await tenantWithKeyAndCollection('revoked here');
    await cached.apiKeys.revoke(tenant.id, key.accessKeyId);
    assert.equal(await cached.apiKeys.findActive(key.accessKeyId), undefined);
  });

  test('a collection deleted and created again elsewhere is looked up anew', async () => {
    const { tenant } = await tenantWithKeyAndCollection('collection recreated');
    const before = await cached.collections.get(tenant.id, 'c1');
    await cached.collections.get(tenant.id.toUpperCase(), 'c1'); // the same uuid, spelt otherwise
    await other.collections.delete(tenant.id, 'c1');
    await eventually('the deleted collection is gone', async () => (await cached.collections.find(tenant.id, 'c1')) === undefined);
    assert.equal(await cached.collections.find(tenant.id.toUpperCase(), 'c1'), undefined);
    const again = await other.collections.create({ tenantId: tenant.id, collectionId: 'c1', arn: 'arn', faceModelVersion: 'm' });
    assert.notEqual(again.id, before.id);
    assert.equal((await cached.collections.get(tenant.id, 'c1')).id, again.id);
  });

  test('notifications that stop arriving (no socket error) are caught by the probe: caches stand aside until they come back', async () => {
    // As through a proxy that accepts LISTEN but never delivers: the payloads are swallowed.
    let muted = false;
    const errors: unknown[] = [];
    const quiet = { db: database.db, listen: ((channel, onPayload, onLost) => database.listen(channel, (p) => muted || onPayload(p), onLost)) as TestDatabase['listen'] };
    const probed = await ChangeFeed.open(quiet, { retryMs: 20, heartbeatMs: 30, probeTimeoutMs: 1000, onError: (e) => errors.push(e) });
    const probedCaches = createLookupCaches(probed, { ttlMs: 60_000 });
    const repos = createRepositories(database.db, box, probedCaches);
    try {
      const tenant = await other.tenants.create({ name: 'muted' });
      const key = await other.apiKeys.create(tenant.id, 'k');
      assert.equal(probed.live, true);
      await repos.apiKeys.findActive(key.accessKeyId);
      assert.equal(probedCaches.apiKeys.size, 1);
      muted = true;
      await eventually('a heartbeat probe fails', () => !probed.live);
      assert.equal(probedCaches.apiKeys.size, 0, 'emptied');
      await repos.apiKeys.findActive(key.accessKeyId);
      assert.equal(probedCaches.apiKeys.size, 0, 'nothing cached while notifications do not arrive');
      assert.ok(errors.length >= 1);
      muted = false;
      await eventually('live again', () => probed.live);
      await repos.apiKeys.findActive(key.accessKeyId);
      assert.equal(probedCaches.apiKeys.size, 1);
    } finally {
      await probed.close();
    }
  });

  test('a feed whose notifications never arrive starts not live and caches nothing', async () => {
    const deaf = { db: database.db, listen: ((channel, _onPayload, onLost) => database.listen(channel, () => undefined, onLost)) as TestDatabase['listen'] };
    const feed = await ChangeFeed.open(deaf, { retryMs: 60_000, probeTimeoutMs: 100 });
    try {
      assert.equal(feed.live, false);
      const deafCaches = createLookupCaches(feed, { ttlMs: 60_000 });
      const tenant = await other.tenants.create({ name: 'deaf' });
      await other.collections.create({ tenantId: tenant.id, collectionId: 'c1', arn: 'arn', faceModelVersion: 'm' });
      await createRepositories(database.db, box, deafCaches).collections.get(tenant.id, 'c1');
      assert.equal(deafCaches.collections.size, 0);
    } finally {
      await feed.close();
    }
  });

  test("a tenant's deletion cascades to its cached keys and collections", async () => {
    const { tenant, key } = await tenantWithKeyAndCollection('tenant deleted');
    await other.tenants.delete(tenant.id);
    await eventually('key and collection are gone', async () =>
      (await cached.apiKeys.findActive(key.accessKeyId)) === undefined && (await cached.collections.find(tenant.id, 'c1')) === undefined);
  });
}

describe('lookup caches on real Postgres (127.0.0.1:5432/test)', () => {
  suite(openPostgresTestDatabase);

  test('a dropped listening connection empties the caches, which stand aside until it listens again', async () => {
    const applicationName = `feed-test-${randomBytes(4).toString('hex')}`;
    const database = await openPostgresTestDatabase({ applicationName });
    const errors: unknown[] = [];
    const feed = await ChangeFeed.open(database, { retryMs: 50, onError: (e) => errors.push(e) });
    const caches = createLookupCaches(feed, { ttlMs: 60_000 });
    const box = new SecretBox(SecretBox.generateKey());
    const repos = createRepositories(database.db, box, caches);
    try {
      const tenant = await repos.tenants.create({ name: 'feed lost' });
      const key = await repos.apiKeys.create(tenant.id, 'k');
      await repos.apiKeys.findActive(key.accessKeyId);
      assert.equal(caches.apiKeys.size, 1);
      // This feed's listening connection only: other test runs may share the database.
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${`${applicationName}:listen`}`.execute(database.db);
      await eventually('the feed notices', () => !feed.live);
      assert.equal(caches.apiKeys.size, 0);
      await repos.apiKeys.findActive(key.accessKeyId);
      assert.equal(caches.apiKeys.size, 0, 'nothing is cached while the feed is down');
      await eventually('the feed listens again', () => feed.live);
      assert.ok(errors.length >= 1);
      // And invalidation works on the new connection.
      await repos.apiKeys.findActive(key.accessKeyId);
      assert.equal(caches.apiKeys.size, 1);
      await createRepositories(database.db, box).apiKeys.revoke(tenant.id, key.accessKeyId);
      await eventually('the revoke arrives on the new connection', () => caches.apiKeys.size === 0);
    } finally {
      await feed.close();
      await database.dispose();
    }
  });
});

describe('lookup caches on PGlite (in memory)', () => {
  suite(openPGliteTestDatabase);
});
