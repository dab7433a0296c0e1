import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalVectorIndex } from './local-vector-index.js';
import { loadSimdScan, quantize, shortlistSize, SIMD_MIN_VECTORS } from './simd-scan.js';
import { normalized } from './vector-math.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function unitRows(n: number, dim: number, seed: number): Float32Array {
  const r = seeded(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) out.set(normalized(Float32Array.from({ length: dim }, r)), i * dim);
  return out;
}

function exactTopK(data: Float32Array, query: Float32Array, dim: number, k: number): number[] {
  const scores = Array.from({ length: data.length / dim }, (_, slot) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[slot * dim + d] * query[d];
    return { slot, s };
  });
  return scores.sort((a, b) => b.s - a.s).slice(0, k).map((x) => x.slot);
}

test('the native scan loads on this platform (linux-x64 prebuild) and finds the exact top k', async () => {
  const scan = await loadSimdScan();
  assert.ok(scan, 'usearch prebuilt binary did not load');
  const dim = 128;
  const data = unitRows(4000, dim, 1);
  const queries = unitRows(20, dim, 2);
  for (let q = 0; q < 20; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    assert.deepEqual([...scan(data, query, dim, 10)], exactTopK(data, query, dim, 10));
  }
  // A stored row finds itself first.
  assert.equal([...scan(data, data.subarray(17 * dim, 18 * dim), dim, 1)][0], 17);
});

test('the int8 shortlist (native scan over the codes) holds the exact top k of the float rows', async () => {
  const scan = await loadSimdScan();
  assert.ok(scan, 'usearch prebuilt binary did not load');
  const dim = 128;
  const n = 6000;
  const data = unitRows(n, dim, 5);
  const codes = new Int8Array(n * dim);
  for (let i = 0; i < n; i++) quantize(data.subarray(i * dim, (i + 1) * dim), codes, i * dim);
  assert.ok(codes.every((c) => c >= -127 && c <= 127));
  const queries = unitRows(30, dim, 6);
  for (let q = 0; q < 30; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    const found: Iterable<number> = scan(codes, quantize(query), dim, shortlistSize(10, n));
    const shortlist = new Set(found);
    assert.equal(shortlist.size, shortlistSize(10, n));
    for (const slot of exactTopK(data, query, dim, 10)) assert.ok(shortlist.has(slot), `query ${q}: slot ${slot} of the exact top 10 missed`);
  }
});

test('LocalVectorIndex answers the same with and without the native scan (top k, minScore, filter, after deletes)', async () => {
  const dim = 128;
  const n = SIMD_MIN_VECTORS + 1500;
  const rows = unitRows(n, dim, 3);
  const items = Array.from({ length: n }, (_, i) => ({ id: `f${i}`, vector: rows.subarray(i * dim, (i + 1) * dim), metadata: { imageId: `img${i % 50}`, ...(i % 3 === 0 ? { userId: `u${i % 7}` } : {}) } }));
  const native = new LocalVectorIndex({});
  const plain = new LocalVectorIndex({ simd: false });
  for (const index of [native, plain]) {
    await index.upsert('k', items);
    await index.delete('k', ['f5', 'f100', 'f2000']);
  }
  const queries = unitRows(15, dim, 4);
  for (let q = 0; q < 15; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    for (const options of [{ topK: 10 }, { topK: 50, minScore: 0.2 }, { topK: 5, filter: { userId: { $exists: true } } }]) {
      assert.deepEqual(await native.query('k', query, options), await plain.query('k', query, options));
    }
  }
  const self = await native.query('k', items[42].vector, { topK: 1 });
  assert.equal(self[0].id, 'f42');
  assert.ok(Math.abs(self[0].score - 1) < 1e-5);
});
