import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { CollectionRepository, FaceRepository, TenantRepository, openPostgresTestDatabase } from '@facerec/db';
import { LocalVectorIndex } from './local-vector-index.js';
import { reindexCollection, vectorCollectionKey } from './reindex.js';
import { seededRandom } from '@facerec/core';
import { randomVector } from './vector-index.contract.js';

test('reindexCollection rebuilds a collection from Postgres and drops stale vectors', async () => {
  const database = await openPostgresTestDatabase();
  try {
    const tenant = await new TenantRepository(database.db).create({ name: 'studio' });
    const collection = await new CollectionRepository(database.db).create({
      tenantId: tenant.id,
      collectionId: 'c',
      arn: 'arn:c',
      faceModelVersion: 'm1',
    });
    const faces = new FaceRepository(database.db);
    const random = seededRandom(3);
    const inputs = Array.from({ length: 7 }, (_, i) => ({
        imageId: randomUUID(),
        externalImageId: `e${i}`,
        boundingBox: { Width: 0.1, Height: 0.1, Left: 0, Top: 0 },
        confidence: 99,
        modelVersion: i === 6 ? 'm0' : 'm1',
        embedding: randomVector(random, 8),
      }));
    const stored = await faces.insert(collection, inputs);
    const index = new LocalVectorIndex();
    const key = vectorCollectionKey({ tenantId: tenant.id, collectionPk: collection.id, modelVersion: 'm1' });
    await index.upsert(key, [{ id: 'stale', vector: randomVector(random, 8), metadata: { imageId: 'gone' } }]);

    const result = await reindexCollection(index, faces, collection, 'm1', 4);
    assert.deepEqual(result, { collectionKey: key, vectors: 6 });
    assert.equal(await index.count(key), 6);
    const [best] = await index.query(key, inputs[2].embedding, { topK: 1 });
    assert.equal(best.id, stored[2].faceId);
    assert.deepEqual(best.metadata, { imageId: stored[2].imageId, externalImageId: 'e2' });
    // The face of another model version stays out of this key.
    assert.equal((await index.query(key, inputs[6].embedding, { topK: 10 })).some((m) => m.id === stored[6].faceId), false);
  } finally {
    await database.dispose();
  }
});
