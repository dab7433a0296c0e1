import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalVectorIndex } from './local-vector-index.js';
import { VectorDimensionMismatchError, VectorIndexError } from './vector-index.js';
import { seededRandom } from '@facerec/core';
import { randomVector, vectorIndexContract } from './vector-index.contract.js';

describe('VectorIndex contract: LocalVectorIndex in memory', () => {
  vectorIndexContract(async () => {
    const index = new LocalVectorIndex();
    return { index, dispose: () => index.close() };
  });
});

describe('VectorIndex contract: LocalVectorIndex with snapshot files', () => {
  let dir = '';
  vectorIndexContract(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facerec-vectors-'));
    const index = new LocalVectorIndex({ dataDir: dir, flushDelayMs: 5 });
    return {
      index,
      dispose: async () => {
        await index.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('LocalVectorIndex specifics', () => {
  test('snapshots survive a restart; deleteCollection removes the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facerec-vectors-'));
    try {
      const random = seededRandom(1);
      const items = Array.from({ length: 50 }, (_, i) => ({
        id: `f${i}`,
        vector: randomVector(random, 24),
        metadata: { imageId: `i${i}`, userId: `u${i % 4}`, weight: i, flag: i % 2 === 0 },
      }));
      const first = new LocalVectorIndex({ dataDir: dir });
      await first.upsert('k1', items);
      await first.delete('k1', ['f0']);
      await first.close();
      const query = randomVector(random, 24);
      const expected = await first.query('k1', query, { topK: 5 });

      const second = new LocalVectorIndex({ dataDir: dir });
      assert.equal(await second.count('k1'), 49);
      assert.deepEqual(await second.query('k1', query, { topK: 5 }), expected);
      await second.deleteCollection('k1');
      assert.deepEqual(await readdir(dir), []);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a corrupt snapshot is reported, not silently emptied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facerec-vectors-'));
    try {
      const index = new LocalVectorIndex({ dataDir: dir });
      await index.upsert('k', [{ id: 'a', vector: new Float32Array([1, 0]), metadata: { imageId: 'i' } }]);
      await index.close();
      const [file] = await readdir(dir);
      await writeFile(join(dir, file), 'not a snapshot');
      await assert.rejects(new LocalVectorIndex({ dataDir: dir }).count('k'), VectorIndexError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('concurrent first writes to a key all land', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facerec-vectors-'));
    try {
      for (const index of [new LocalVectorIndex(), new LocalVectorIndex({ dataDir: dir })]) {
        await Promise.all(
          ['a', 'b', 'c'].map((id) => index.upsert('fresh', [{ id, vector: new Float32Array([1, 2]), metadata: { imageId: id } }])),
        );
        assert.equal(await index.count('fresh'), 3);
        await index.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a collection key holds one dimension', async () => {
    const index = new LocalVectorIndex();
    await index.upsert('k', [{ id: 'a', vector: new Float32Array(4).fill(1), metadata: { imageId: 'i' } }]);
    await assert.rejects(
      index.upsert('k', [{ id: 'b', vector: new Float32Array(8).fill(1), metadata: { imageId: 'i' } }]),
      VectorDimensionMismatchError,
    );
    await assert.rejects(index.query('k', new Float32Array(8), { topK: 1 }), VectorDimensionMismatchError);
  });
});
