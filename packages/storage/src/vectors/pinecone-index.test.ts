import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Pinecone } from '@pinecone-database/pinecone';
import { FakePineconeServer } from '../testing/fake-pinecone-server.js';
import { PineconeIndex } from './pinecone-index.js';
import { VectorIndexError } from './vector-index.js';
import { vectorIndexContract } from './vector-index.contract.js';

// FakePineconeServer is a LOCAL STAND-IN for Pinecone's cloud (no emulator exists): these tests
// prove the adapter speaks the documented data-plane REST API through the real client, not that
// the cloud behaves identically (it is eventually consistent; the stand-in is not).

describe('VectorIndex contract: PineconeIndex against FakePineconeServer (local stand-in for Pinecone cloud)', () => {
  vectorIndexContract(async () => {
    const server = new FakePineconeServer({ dimension: 16, apiKey: 'test-key' });
    const host = await server.start();
    const index = PineconeIndex.connect({ apiKey: 'test-key', host });
    return {
      index,
      dispose: async () => {
        await index.close();
        await server.stop();
      },
    };
  });
});

describe('PineconeIndex against FakePineconeServer (local stand-in for Pinecone cloud)', () => {
  const server = new FakePineconeServer({ dimension: 4, apiKey: 'test-key' });
  let host = '';
  before(async () => {
    host = await server.start();
  });
  after(async () => {
    await server.stop();
  });

  test('one namespace per collection key; large upserts are sent in batches', async () => {
    const index = PineconeIndex.connect({ apiKey: 'test-key', host });
    const items = Array.from({ length: 250 }, (_, i) => ({
      id: `f${i}`,
      vector: new Float32Array([1, i, 0, 1]),
      metadata: { imageId: `img${i}`, userId: undefined },
    }));
    server.requests.length = 0;
    await index.upsert('tenant-1:c:v1', items);
    const upserts = server.requests.filter((r) => r.path === '/vectors/upsert');
    assert.equal(upserts.length, 3);
    for (const request of upserts) assert.equal((request.body as { namespace: string }).namespace, 'tenant-1:c:v1');
    assert.equal(await index.count('tenant-1:c:v1'), 250);
    const [match] = await index.query('tenant-1:c:v1', new Float32Array([1, 7, 0, 1]), { topK: 1 });
    // Undefined metadata fields are left out: Pinecone refuses nulls.
    assert.deepEqual(match.metadata, { imageId: 'img7' });
  });

  test('server errors surface as VectorIndexError with the server message', async () => {
    const index = PineconeIndex.connect({ apiKey: 'test-key', host });
    const wrongDim = index.upsert('k', [{ id: 'x', vector: new Float32Array(3), metadata: { imageId: 'i' } }]);
    await assert.rejects(wrongDim, (error: unknown) => {
      assert.ok(error instanceof VectorIndexError);
      assert.match(error.message, /PineconeBadRequestError: .*dimension 3 does not match/);
      return true;
    });
    const badKey = PineconeIndex.connect({ apiKey: 'wrong', host });
    await assert.rejects(badKey.count('k'), /PineconeAuthorizationError/);
  });

  test('deleting a collection that does not exist is not an error', async () => {
    const index = PineconeIndex.connect({ apiKey: 'test-key', host });
    await index.deleteCollection('never-written');
    assert.equal(await index.count('never-written'), 0);
  });

  test('the stand-in answers the client fetch call (GET /vectors/fetch)', async () => {
    const namespace = new Pinecone({ apiKey: 'test-key' }).index({ host }).namespace('fetch-ns');
    await namespace.upsert({ records: [{ id: 'a', values: [1, 2, 3, 4], metadata: { imageId: 'i', tags: ['x', 'y'] } }] });
    const fetched = await namespace.fetch({ ids: ['a', 'missing'] });
    assert.deepEqual(Object.keys(fetched.records), ['a']);
    assert.deepEqual(fetched.records.a.values, [1, 2, 3, 4]);
    assert.deepEqual(fetched.records.a.metadata, { imageId: 'i', tags: ['x', 'y'] });
    const listed = await namespace.query({ topK: 1, vector: [1, 2, 3, 4], filter: { tags: { $in: ['y'] } }, includeMetadata: true });
    assert.equal(listed.matches[0]?.id, 'a');
  });
});
