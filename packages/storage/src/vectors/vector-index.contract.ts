/**
 * The contract every VectorIndex adapter passes: the same tests, run once per adapter from
 * vector-index.test.ts. Results are checked against a brute-force cosine reference.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { MetadataFilter, VectorIndex, VectorItem, VectorMatch } from './vector-index.js';
import { cosine, matchesFilter } from './vector-math.js';
import { seededRandom } from '@facerec/core';

export interface OpenedIndex {
  index: VectorIndex;
  dispose(): Promise<void>;
}

const DIM = 16;
/** Float32 storage and JSON transport round scores slightly differently per adapter. */
const SCORE_TOLERANCE = 1e-4;


export function randomVector(random: () => number, dim = DIM): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = random() * 2 - 1;
  return v;
}

function makeItems(count: number, seed: number): VectorItem[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `face-${i}`,
    vector: randomVector(random),
    metadata: {
      imageId: `image-${i % 10}`,
      ...(i % 3 === 0 ? { userId: `user-${i % 2}` } : {}),
      externalImageId: `ext-${i}`,
    },
  }));
}

function reference(items: readonly VectorItem[], query: Float32Array, topK: number, minScore = -Infinity, filter?: MetadataFilter) {
  return items
    .filter((item) => matchesFilter(item.metadata, filter))
    .map((item) => ({ id: item.id, score: cosine(query, item.vector) }))
    .filter((match) => match.score >= minScore)
    .sort((a, b) => b.score - a.score)
    .slice(0, topK);
}

function assertSameMatches(actual: VectorMatch[], expected: { id: string; score: number }[]): void {
  assert.deepEqual(
    actual.map((m) => m.id),
    expected.map((m) => m.id),
  );
  actual.forEach((match, i) => {
    assert.ok(Math.abs(match.score - expected[i].score) < SCORE_TOLERANCE, `score of ${match.id}: ${match.score} vs ${expected[i].score}`);
  });
  for (let i = 1; i < actual.length; i++) assert.ok(actual[i - 1].score >= actual[i].score, 'scores sorted descending');
}

export function vectorIndexContract(open: () => Promise<OpenedIndex>): void {
  let opened: OpenedIndex;
  let index: VectorIndex;
  const newKey = () => `tenant-${randomUUID()}:collection:model-v1`;

  before(async () => {
    opened = await open();
    index = opened.index;
  });

  after(async () => {
    await opened?.dispose();
  });

  test('upsert stores items; upserting an id again replaces its vector and metadata', async () => {
    const key = newKey();
    const items = makeItems(20, 1);
    await index.upsert(key, items);
    assert.equal(await index.count(key), 20);
    const replacement = {
      id: 'face-0',
      vector: items[19].vector,
      metadata: { imageId: 'image-new', userId: 'user-9', externalImageId: undefined },
    };
    await index.upsert(key, [replacement]);
    assert.equal(await index.count(key), 20);
    const [top] = await index.query(key, items[19].vector, { topK: 2, filter: { imageId: 'image-new' } });
    assert.equal(top.id, 'face-0');
    assert.deepEqual(top.metadata, { imageId: 'image-new', userId: 'user-9' });
    assert.ok(Math.abs(top.score - 1) < SCORE_TOLERANCE);
  });

  test('query returns the brute-force top k by cosine, best first', async () => {
    const key = newKey();
    const items = makeItems(200, 2);
    await index.upsert(key, items);
    const random = seededRandom(99);
    for (let q = 0; q < 5; q++) {
      const query = randomVector(random);
      assertSameMatches(await index.query(key, query, { topK: 10 }), reference(items, query, 10));
    }
    const self = await index.query(key, items[7].vector, { topK: 1 });
    assert.equal(self[0].id, 'face-7');
    assert.deepEqual(self[0].metadata, items[7].metadata);
  });

  test('topK bounds the result; a topK beyond the collection returns everything', async () => {
    const key = newKey();
    const items = makeItems(12, 3);
    await index.upsert(key, items);
    const query = randomVector(seededRandom(5));
    assert.equal((await index.query(key, query, { topK: 3 })).length, 3);
    assertSameMatches(await index.query(key, query, { topK: 100 }), reference(items, query, 100));
  });

  test('minScore drops weaker matches', async () => {
    const key = newKey();
    const items = makeItems(100, 4);
    await index.upsert(key, items);
    const query = items[3].vector;
    const matches = await index.query(key, query, { topK: 50, minScore: 0.3 });
    assertSameMatches(matches, reference(items, query, 50, 0.3));
    assert.ok(matches.length > 0 && matches.length < 50);
    assert.ok(matches.every((m) => m.score >= 0.3 - SCORE_TOLERANCE));
  });

  test('filter by metadata: equality, $in, $exists', async () => {
    const key = newKey();
    const items = makeItems(60, 6);
    await index.upsert(key, items);
    const query = randomVector(seededRandom(8));
    const filters: MetadataFilter[] = [
      { userId: 'user-1' },
      { imageId: { $in: ['image-2', 'image-3'] } },
      { userId: { $exists: true } },
      { userId: { $eq: 'user-0' }, imageId: { $in: ['image-0', 'image-6'] } },
    ];
    for (const filter of filters) {
      const expected = reference(items, query, 100, -Infinity, filter);
      assert.ok(expected.length > 0, `filter ${JSON.stringify(filter)} selects something`);
      assertSameMatches(await index.query(key, query, { topK: 100, filter }), expected);
    }
  });

  test('delete by ids, by image, and the whole collection', async () => {
    const key = newKey();
    const items = makeItems(30, 7);
    await index.upsert(key, items);
    await index.delete(key, ['face-1', 'face-2', 'no-such-id']);
    assert.equal(await index.count(key), 28);
    // image-5 holds face-5, face-15, face-25.
    await index.deleteByImage(key, 'image-5');
    assert.equal(await index.count(key), 25);
    const left = items.filter((item) => !['face-1', 'face-2', 'face-5', 'face-15', 'face-25'].includes(item.id));
    const query = randomVector(seededRandom(11));
    assertSameMatches(await index.query(key, query, { topK: 30 }), reference(left, query, 30));
    await index.deleteCollection(key);
    assert.equal(await index.count(key), 0);
    assert.deepEqual(await index.query(key, query, { topK: 5 }), []);
    await index.upsert(key, items.slice(0, 2));
    assert.equal(await index.count(key), 2);
  });

  test('listIds pages through every id of one key, across page boundaries, and nothing of another key', async () => {
    const key = newKey();
    const other = newKey();
    // 250 ids: more than one page of every adapter (Pinecone lists 100 per page).
    const items = makeItems(250, 21);
    await index.upsert(key, items);
    await index.upsert(other, makeItems(3, 22).map((item) => ({ ...item, id: `other-${item.id}` })));
    await index.delete(key, ['face-7']);
    const listed: string[] = [];
    for await (const page of index.listIds(key)) listed.push(...page);
    assert.deepEqual(listed.sort(), items.map((item) => item.id).filter((id) => id !== 'face-7').sort());
    const none: string[] = [];
    for await (const page of index.listIds(newKey())) none.push(...page);
    assert.deepEqual(none, []);
  });

  test('collection keys are isolated from each other', async () => {
    const first = newKey();
    const second = newKey();
    const itemsA = makeItems(10, 12);
    const itemsB = makeItems(10, 13);
    await index.upsert(first, itemsA);
    await index.upsert(second, itemsB);
    const query = itemsA[4].vector;
    assertSameMatches(await index.query(second, query, { topK: 10 }), reference(itemsB, query, 10));
    await index.delete(second, ['face-4']);
    await index.deleteByImage(second, 'image-3');
    assert.equal(await index.count(first), 10);
    await index.deleteCollection(second);
    assert.equal(await index.count(first), 10);
    assertSameMatches(await index.query(first, query, { topK: 3 }), reference(itemsA, query, 3));
    assert.equal(await index.count(newKey()), 0);
    assert.deepEqual(await index.query(newKey(), query, { topK: 3 }), []);
  });
}
