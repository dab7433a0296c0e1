import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPGliteTestDatabase } from '@facerec/db';
import { PgvectorIndex } from './pgvector-index.js';
import { VectorDimensionMismatchError } from './vector-index.js';
import { vectorIndexContract } from './vector-index.contract.js';

// The local Postgres 15 has no pgvector package; pgvector runs here through PGlite.
describe('VectorIndex contract: PgvectorIndex on PGlite + pgvector', () => {
  vectorIndexContract(async () => {
    const database = await openPGliteTestDatabase({ vector: true, migrate: false });
    const index = new PgvectorIndex(database.db);
    return {
      index,
      dispose: async () => {
        await index.close();
        await database.dispose();
      },
    };
  });
});

describe('PgvectorIndex specifics', () => {
  test('a collection key keeps one dimension; other keys may use another', async () => {
    const database = await openPGliteTestDatabase({ vector: true, migrate: false });
    try {
      const index = new PgvectorIndex(database.db);
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
    } finally {
      await database.dispose();
    }
  });
});
