import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reindexCollection, vectorCollectionKey } from '@facerec/storage';
import { loadGatewayConfig, type GatewayConfig } from '../src/config.js';
import { findKeyTenant, findOrCreateTenant, findTenantByName, listTenants, openOperatorContext, openOperatorVectorIndex, type OperatorContext } from '../src/ops.js';
import { ensureDefaultTenant, resolveServerKey } from '../src/bootstrap.js';

describe('operator context (facerec keys / reindex) on an embedded data dir', () => {
  let dataDir: string;
  let config: GatewayConfig;
  let context: OperatorContext;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-ops-'));
    config = loadGatewayConfig({ FACEREC_DATA_DIR: dataDir });
    context = await openOperatorContext(config);
  });
  after(async () => {
    await context?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('the server key is generated once and reused', async () => {
    assert.equal(await resolveServerKey(config), await resolveServerKey(config));
    assert.equal(await resolveServerKey({ ...config, serverKey: 'given' }), 'given');
  });

  test('tenants are found or created by name; keys are traced to their tenant', async () => {
    const created = await findOrCreateTenant(context, 'acme');
    assert.equal(created.created, true);
    const again = await findOrCreateTenant(context, 'acme');
    assert.deepEqual(again, { ...created, created: false });
    assert.equal((await findTenantByName(context, 'acme'))?.id, created.id);
    assert.equal(await findTenantByName(context, 'nobody'), undefined);
    const key = await context.repos.apiKeys.create(created.id, 'cli');
    assert.equal(await findKeyTenant(context, key.accessKeyId), created.id);
    assert.equal(await findKeyTenant(context, 'FRKNOPENOPENOPENOPE1'), undefined);
    assert.deepEqual((await listTenants(context)).map((t) => t.name), ['acme']);
  });

  test('the default tenant is created only while there is no tenant at all', async () => {
    assert.equal(await ensureDefaultTenant(context.connection.db, context.repos, dataDir), undefined);
  });

  test('reindex rebuilds a collection\'s vectors from Postgres into the local index', async () => {
    const tenant = await findOrCreateTenant(context, 'acme');
    const collection = await context.repos.collections.create({ tenantId: tenant.id, collectionId: 'c1', arn: 'arn:c1', faceModelVersion: 'm1' });
    const scope = { id: collection.id, tenantId: tenant.id };
    const embedding = new Float32Array(8).fill(0.5);
    await context.repos.faces.insert(scope, [
      {
        imageId: '00000000-0000-4000-8000-000000000001',
        boundingBox: { Width: 0.5, Height: 0.5, Left: 0.1, Top: 0.1 },
        landmarks: [],
        pose: { Roll: 0, Yaw: 0, Pitch: 0 },
        quality: { Brightness: 50, Sharpness: 50 },
        confidence: 99,
        modelVersion: 'm1',
        embedding,
      },
    ]);
    const index = openOperatorVectorIndex(config, context);
    try {
      const result = await reindexCollection(index, context.repos.faces, scope, 'm1');
      assert.equal(result.vectors, 1);
      const key = vectorCollectionKey({ tenantId: tenant.id, collectionPk: collection.id, modelVersion: 'm1' });
      assert.equal(await index.count(key), 1);
    } finally {
      await index.close();
    }
  });
});
