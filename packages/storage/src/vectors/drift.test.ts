/**
 * checkCollectionDrift against each VectorIndex adapter that runs here: the local index, pgvector
 * (PGlite + the extension; the machine's Postgres 15 has no pgvector package) and the Pinecone
 * stand-in. Face rows live in the same PGlite.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CollectionRepository, FaceRepository, openPGliteTestDatabase, TenantRepository, type CollectionScope, type FaceRecord, type TestDatabase } from '@facerec/db';
import { FakePineconeServer } from '../testing/fake-pinecone-server.js';
import { checkCollectionDrift } from './drift.js';
import { LocalVectorIndex } from './local-vector-index.js';
import { PgvectorIndex } from './pgvector-index.js';
import { PineconeIndex } from './pinecone-index.js';
import { faceVectorItem, vectorCollectionKey } from './reindex.js';
import { seededRandom } from '@facerec/core';
import { randomVector } from './vector-index.contract.js';
import type { VectorIndex } from './vector-index.js';

const DIM = 8;
let database: TestDatabase;
let pinecone: FakePineconeServer;
let pineconeHost: string;

before(async () => {
  database = await openPGliteTestDatabase({ vector: true });
  pinecone = new FakePineconeServer({ dimension: DIM });
  pineconeHost = await pinecone.start();
});

after(async () => {
  await pinecone?.stop();
  await database?.dispose();
});

interface Setup {
  scope: CollectionScope;
  faces: FaceRepository;
  stored: FaceRecord[];
  embeddings: Float32Array[];
}

/** A collection of `count` faces of model m1 plus one of m0 (which the m1 key must ignore). */
async function collectionWithFaces(count: number): Promise<Setup> {
  const tenant = await new TenantRepository(database.db).create({ name: `studio-${randomUUID()}` });
  const collection = await new CollectionRepository(database.db).create({ tenantId: tenant.id, collectionId: 'c', arn: 'arn:c', faceModelVersion: 'm1' });
  const faces = new FaceRepository(database.db);
  const random = seededRandom(count);
  const inputs = Array.from({ length: count + 1 }, (_, i) => ({
    imageId: randomUUID(),
    externalImageId: `e${i}`,
    boundingBox: { Width: 0.1, Height: 0.1, Left: 0, Top: 0 },
    confidence: 99,
    modelVersion: i === count ? 'm0' : 'm1',
    embedding: randomVector(random, DIM),
  }));
  const stored = await faces.insert(collection, inputs);
  return { scope: collection, faces, stored: stored.slice(0, count), embeddings: inputs.slice(0, count).map((f) => f.embedding) };
}

const ADAPTERS: { name: string; open: () => VectorIndex }[] = [
  { name: 'local', open: () => new LocalVectorIndex() },
  { name: 'pgvector (PGlite)', open: () => new PgvectorIndex(database.db) },
  { name: 'pinecone (stand-in)', open: () => PineconeIndex.connect({ apiKey: 'k', host: pineconeHost }) },
];

for (const adapter of ADAPTERS) {
  describe(`drift check on ${adapter.name}`, () => {
    test('a clean collection has no drift', async () => {
      const index = adapter.open();
      const { scope, faces, stored, embeddings } = await collectionWithFaces(5);
      const key = vectorCollectionKey({ tenantId: scope.tenantId, collectionPk: scope.id, modelVersion: 'm1' });
      await index.upsert(key, stored.map((f, i) => faceVectorItem({ ...f, embedding: embeddings[i] })));
      const drift = await checkCollectionDrift(index, faces, scope, 'm1');
      assert.deepEqual(drift, { collectionKey: key, rows: 5, vectors: 5, missing: [], orphans: [] });
    });

    test('reports rows without vectors and vectors without rows; repair makes them agree', async () => {
      const index = adapter.open();
      // 150 faces: the Pinecone stand-in lists them over two pages.
      const { scope, faces, stored, embeddings } = await collectionWithFaces(150);
      const key = vectorCollectionKey({ tenantId: scope.tenantId, collectionPk: scope.id, modelVersion: 'm1' });
      const indexed = stored.slice(0, 140);
      await index.upsert(key, indexed.map((f, i) => faceVectorItem({ ...f, embedding: embeddings[i] })));
      const strays = [randomUUID(), randomUUID()];
      await index.upsert(key, strays.map((id) => ({ id, vector: randomVector(seededRandom(9), DIM), metadata: { imageId: 'deleted' } })));

      const found = await checkCollectionDrift(index, faces, scope, 'm1', { batchSize: 64 });
      assert.deepEqual(found.missing, stored.slice(140).map((f) => f.faceId).sort());
      assert.deepEqual(found.orphans, [...strays].sort());
      assert.deepEqual({ rows: found.rows, vectors: found.vectors, repaired: found.repaired }, { rows: 150, vectors: 142, repaired: undefined });
      // Reporting changed nothing.
      assert.equal(await index.count(key), 142);

      const repaired = await checkCollectionDrift(index, faces, scope, 'm1', { repair: true, batchSize: 64 });
      assert.deepEqual(repaired.repaired, { upserted: 10, deleted: 2 });
      const after = await checkCollectionDrift(index, faces, scope, 'm1');
      assert.deepEqual({ missing: after.missing, orphans: after.orphans, vectors: after.vectors }, { missing: [], orphans: [], vectors: 150 });
      // The repaired vectors are the rows' own: a missing face is found by its own embedding.
      const [best] = await index.query(key, embeddings[145], { topK: 1 });
      assert.equal(best.id, stored[145].faceId);
      assert.equal(best.metadata.imageId, stored[145].imageId);
    });
  });
}
