/**
 * Vector search benchmark for the local index. Data is clustered like faces (many photos of each
 * person: unit vectors scattered around per-identity centres), not uniform noise.
 *
 *   node --import tsx packages/storage/src/bench-vectors.ts [--n 100000] [--dims 128,512]
 *        [--queries 30] [--top-k 10] [--snapshot] [--usearch]
 *
 * Reports build (upsert) time, top-k query latency (median / p95), the same with a metadata
 * filter, optional snapshot write/load time, and process RSS. With --usearch it also measures
 * usearch (a devDependency, prebuilt native binary): its SIMD exact search and an HNSW index
 * (build time, latency, recall@k against the exact answer).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalVectorIndex } from './vectors/local-vector-index.js';
import type { VectorItem } from './vectors/vector-index.js';
import { normalized } from './vectors/vector-math.js';

interface BenchOptions {
  n: number;
  dims: number[];
  queries: number;
  topK: number;
  snapshot: boolean;
  usearch: boolean;
}

function parseOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '100000' },
      dims: { type: 'string', default: '128,512' },
      queries: { type: 'string', default: '30' },
      'top-k': { type: 'string', default: '10' },
      snapshot: { type: 'boolean', default: false },
      usearch: { type: 'boolean', default: false },
    },
  });
  return {
    n: Number(values.n),
    dims: values.dims.split(',').map(Number),
    queries: Number(values.queries),
    topK: Number(values['top-k']),
    snapshot: values.snapshot,
    usearch: values.usearch,
  };
}

/** Deterministic xorshift so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

function clusteredItems(n: number, dim: number, random: () => number): { items: VectorItem[]; centres: Float32Array[] } {
  const identities = Math.max(1, Math.floor(n / 20));
  const centres = Array.from({ length: identities }, () => normalized(Float32Array.from({ length: dim }, () => gaussian(random))));
  // Spread chosen so same-identity cosine is ~0.6–0.8, as for real face embeddings.
  const spread = 0.9 / Math.sqrt(dim);
  const items: VectorItem[] = [];
  for (let i = 0; i < n; i++) {
    const centre = centres[i % identities];
    const v = Float32Array.from(centre, (x) => x + spread * gaussian(random));
    items.push({ id: `f${i}`, vector: normalized(v), metadata: { imageId: `img${Math.floor(i / 3)}`, ...(i % 10 === 0 ? { userId: `u${i % identities}` } : {}) } });
  }
  return { items, centres };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function time<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const result = await run();
  return [result, Number(process.hrtime.bigint() - start) / 1e6];
}

async function benchDimension(options: BenchOptions, dim: number): Promise<void> {
  const random = rng(dim * 7919);
  const { items, centres } = clusteredItems(options.n, dim, random);
  const index = new LocalVectorIndex();
  const [, buildMs] = await time(() => index.upsert('bench', items));
  const queries = Array.from({ length: options.queries }, (_, q) => {
    const centre = centres[(q * 37) % centres.length];
    const spread = 0.9 / Math.sqrt(dim);
    return normalized(Float32Array.from(centre, (x) => x + spread * gaussian(random)));
  });
  await index.query('bench', queries[0], { topK: options.topK }); // warm-up (JIT)
  const plain: number[] = [];
  const filtered: number[] = [];
  const exactIds: string[][] = [];
  let sameIdentityScore = 0;
  for (const query of queries) {
    const [matches, ms] = await time(() => index.query('bench', query, { topK: options.topK }));
    plain.push(ms);
    exactIds.push(matches.map((m) => m.id));
    sameIdentityScore += matches[0]?.score ?? 0;
    const [, filteredMs] = await time(() => index.query('bench', query, { topK: options.topK, filter: { userId: { $exists: true } } }));
    filtered.push(filteredMs);
  }
  plain.sort((a, b) => a - b);
  filtered.sort((a, b) => a - b);
  const row = [
    `${options.n} × ${dim}-d`,
    `build ${buildMs.toFixed(0)} ms`,
    `top-${options.topK} median ${percentile(plain, 0.5).toFixed(1)} ms p95 ${percentile(plain, 0.95).toFixed(1)} ms`,
    `filtered (10% match) median ${percentile(filtered, 0.5).toFixed(1)} ms`,
    `mean best score ${(sameIdentityScore / queries.length).toFixed(3)}`,
  ];
  if (options.snapshot) row.push(await benchSnapshot(items));
  row.push(`RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
  console.log(row.join(' | '));
  if (options.usearch) console.log(await benchUsearch(options, dim, items, queries, exactIds));
}

async function benchUsearch(
  options: BenchOptions,
  dim: number,
  items: VectorItem[],
  queries: Float32Array[],
  exactIds: string[][],
): Promise<string> {
  const { Index, MetricKind, ScalarKind, exactSearch } = await import('usearch');
  const matrix = new Float32Array(items.length * dim);
  items.forEach((item, i) => matrix.set(item.vector, i * dim));
  const keys = BigUint64Array.from(items, (_, i) => BigInt(i));
  const exactTimes: number[] = [];
  for (const query of queries) {
    const [, ms] = await time(async () => exactSearch(matrix, query, dim, options.topK, MetricKind.Cos, 1));
    exactTimes.push(ms);
  }
  const hnsw = new Index({
    dimensions: dim,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 64,
    multi: false,
  });
  const [, buildMs] = await time(async () => hnsw.add(keys, matrix, 2));
  const hnswTimes: number[] = [];
  let found = 0;
  queries.forEach((query, q) => {
    const start = process.hrtime.bigint();
    const result = hnsw.search(query, options.topK, 1);
    hnswTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
    const ids = new Set(Array.from(result.keys, (key) => `f${key}`));
    found += exactIds[q].filter((id) => ids.has(id)).length;
  });
  exactTimes.sort((a, b) => a - b);
  hnswTimes.sort((a, b) => a - b);
  const recall = found / exactIds.reduce((sum, ids) => sum + ids.length, 0);
  return [
    `  usearch ${items.length} × ${dim}-d`,
    `SIMD exact median ${percentile(exactTimes, 0.5).toFixed(1)} ms`,
    `HNSW (M=16, ef=64) build ${(buildMs / 1000).toFixed(1)} s (2 threads) query median ${percentile(hnswTimes, 0.5).toFixed(2)} ms recall@${options.topK} ${recall.toFixed(3)}`,
    `RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
  ].join(' | ');
}

async function benchSnapshot(items: VectorItem[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'facerec-bench-'));
  try {
    const writer = new LocalVectorIndex({ dataDir: dir });
    await writer.upsert('bench', items);
    const [, writeMs] = await time(() => writer.flush());
    const reader = new LocalVectorIndex({ dataDir: dir });
    const [, loadMs] = await time(() => reader.count('bench'));
    return `snapshot write ${writeMs.toFixed(0)} ms load ${loadMs.toFixed(0)} ms`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const options = parseOptions();
console.log(`node ${process.version}, exact LocalVectorIndex, ${options.queries} queries per row`);
for (const dim of options.dims) await benchDimension(options, dim);
