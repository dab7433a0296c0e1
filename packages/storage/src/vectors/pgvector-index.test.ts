import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openPGliteTestDatabase } from '@facerec/db';
import type { TestDatabase } from '@facerec/db';
import { PgvectorIndex } from './pgvector-index.js';
import { VectorDimensionMismatchError } from './vector-index.js';
import { vectorIndexContract } from './vector-index.contract.js';

// The local Postgres 15 has no pgvector package; pgvector runs here through PGlite. One PGlite
// serves the whole file (starting one costs seconds); tests use distinct collection keys.
let database: Promise<TestDatabase> | undefined;
const sharedDatabase = () => (database ??= openPGliteTestDatabase({ vector: true, migrate: false }));

after(async () => {
  await (await database)?.dispose();
});

describe('VectorIndex contract: PgvectorIndex on PGlite + pgvector', () => {
  vectorIndexContract(async () => {
    const index = new PgvectorIndex((await sharedDatabase()).db);
    return { index, dispose: () => index.close() };
  });
});

describe('PgvectorIndex specifics', () => {
  test('a collection key keeps one dimension; other keys may use another', async () => {
    const index = new PgvectorIndex((await sharedDatabase()).db);
    await index.upsert('k4', [{ id: 'a', vector: new Float32Array([1, 0, 0, 0]), metadata: { imageId: 'i' } }]);
    await assert.rejects(
      index.upsert('k4', [{ id: 'b', vector: new Float32Array(8).fill(1), metadata: { imageId: 'i' } }]),
      VectorDimensionMismatchError,
    );
    await index.upsert('k8', [{ id: 'b', vector: new Float32Array(8).fill(1), metadata: { imageId: 'i' } }]);
    await assert.rejects(index.query('k4', new Float32Array(8), { topK: 1 }), VectorDimensionMismatchError);
    assert.equal(await index.count('k4'), 1);
    assert.equal(await index.count('k8'), 1);
    const [match] = await index.query('k8', new Float32Array(8).fill(2), { topK: 1 });
    assert.equal(match.id, 'b');
    assert.ok(Math.abs(match.score - 1) < 1e-6);
  });

  test('a second instance on the same database sees the same vectors', async () => {
    const db = (await sharedDatabase()).db;
    await new PgvectorIndex(db).upsert('shared', [{ id: 'x', vector: new Float32Array([0, 1, 0, 0]), metadata: { imageId: 'i', userId: 'u' } }]);
    const [match] = await new PgvectorIndex(db).query('shared', new Float32Array([0, 1, 0, 0]), { topK: 1, filter: { userId: 'u' } });
    assert.deepEqual(match.metadata, { imageId: 'i', userId: 'u' });
  });
});
