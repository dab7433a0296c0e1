import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateCollectionCommand, IndexFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { connect, createRepositories, SecretBox, type NewFace } from '@facerec/db';
import { percentiles } from '@facerec/eval';
import { embeddingDim, FacePipeline, loadEngineConfig, OnnxModel, resolveModelSet } from '@facerec/face';
import { loadGatewayConfig, resolveServerKey, startGateway, type GatewayConfig } from '@facerec/gateway';
import { LocalVectorIndex, vectorCollectionKey } from '@facerec/storage';
import { portraitsOf, selfies } from './load-images.js';
import { runLoadInChild, signSearches, type LoadResult } from './search-load-client.js';

export interface SearchLoadOptions {
  faces: number;
  concurrency: number;
  seconds: number;
  /**
   * Seconds of the same load, on the same connections, before the measured seconds, reported apart
   * (`warmup_*`): a freshly started server is slower for its first seconds (JIT of the gateway's
   * code, PGlite's WebAssembly tiering up) and a cold closed loop sends all its first requests at
   * once: p50 535 ms in the first 2 s against 426 ms after 20 s (docs/benchmarks.md).
   */
  warmupSeconds?: number;
  /** Folder of portraits (identity folders); some are indexed as real faces, all are used as selfies. */
  portraits: string;
  /** Also measure CPU per stage: the engine's stages and the vector query in process, one search at a time. */
  profile?: boolean;
}

/** A seeded generator, so the synthetic collection is the same from run to run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/**
 * Synthetic faces shaped like real ones: identities of ten faces each, every face its identity's
 * centre plus noise, so the index sees clustered data rather than uniform noise.
 */
function* syntheticFaces(count: number, dim: number): Generator<Float32Array> {
  const r = rng(42);
  let centre: Float32Array = new Float32Array(dim);
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) centre = unit(Float32Array.from({ length: dim }, () => gaussian(r)));
    yield unit(Float32Array.from(centre, (c) => c + 0.35 * gaussian(r) / Math.sqrt(dim) * 3));
  }
}

async function loadCollectionKey(config: GatewayConfig, tenantId: string, collectionId: string): Promise<string> {
  const db = await connect(config.database);
  try {
    const repos = createRepositories(db.db, new SecretBox(await resolveServerKey(config)));
    const collection = await repos.collections.get(tenantId, collectionId);
    return vectorCollectionKey({ tenantId, collectionPk: collection.id, modelVersion: collection.faceModelVersion });
  } finally {
    await db.close();
  }
}

async function fillSynthetic(config: GatewayConfig, tenantId: string, collectionId: string, count: number, onProgress: (n: number) => void): Promise<void> {
  const db = await connect(config.database);
  const vectors = new LocalVectorIndex({ dataDir: path.join(config.dataDir, 'vectors') });
  try {
    const repos = createRepositories(db.db, new SecretBox(await resolveServerKey(config)));
    const collection = await repos.collections.get(tenantId, collectionId);
    const scope = { id: collection.id, tenantId };
    const key = vectorCollectionKey({ tenantId, collectionPk: collection.id, modelVersion: collection.faceModelVersion });
    const dim = embeddingDim(resolveModelSet(config.modelSet));
    let batch: NewFace[] = [];
    let done = 0;
    const flush = async () => {
      const records = await repos.faces.insert(scope, batch);
      await vectors.upsert(key, records.map((r, i) => ({ id: r.faceId, vector: batch[i].embedding, metadata: { imageId: r.imageId } })));
      done += batch.length;
      batch = [];
      onProgress(done);
    };
    let i = 0;
    for (const embedding of syntheticFaces(count, dim)) {
      const imageId = `00000000-0000-4000-8000-${(i++).toString(16).padStart(12, '0')}`;
      batch.push({ imageId, boundingBox: { Left: 0.3, Top: 0.2, Width: 0.3, Height: 0.4 }, confidence: 99, modelVersion: collection.faceModelVersion, embedding });
      if (batch.length === 1000) await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    await vectors.close();
    await db.close();
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const round = (n: number): number => Number(n.toFixed(2));

/**
 * CPU ms per search of each engine stage (decode, detect, landmarks, landmarks2, embed, quality)
 * and of the vector query over the collection, one search at a time in this process.
 */
async function profileStages(config: GatewayConfig, collectionKey: string, images: readonly Uint8Array[]): Promise<Record<string, number>> {
  const pipeline = await FacePipeline.create(resolveModelSet(config.modelSet), loadEngineConfig({ ...process.env, FACEREC_THREADS: '1' }));
  const vectors = new LocalVectorIndex({ dataDir: path.join(config.dataDir, 'vectors') });
  const totals: Record<string, number> = {};
  const embeddings: Float32Array[] = [];
  try {
    for (const bytes of images.slice(0, 3)) await pipeline.analyze(bytes, { mode: 'selfie', embed: true, attributes: false, stageCpu: true }).catch(() => undefined);
    let searched = 0;
    const before = cpuMs();
    for (const bytes of images) {
      const analysis = await pipeline.analyze(bytes, { mode: 'selfie', embed: true, attributes: false, stageCpu: true }).catch(() => undefined);
      if (!analysis) continue;
      searched++;
      for (const [stage, ms] of Object.entries(analysis.timings.stageCpuMs ?? {})) totals[stage] = (totals[stage] ?? 0) + ms;
      const embedding = analysis.faces[0]?.embedding;
      if (embedding) embeddings.push(embedding);
    }
    const engineTotal = cpuMs() - before;
    const out: Record<string, number> = {};
    for (const [stage, ms] of Object.entries(totals)) out[`cpu_ms_${stage}`] = round(ms / searched);
    out.cpu_ms_engine_total = round(engineTotal / searched);
    await vectors.query(collectionKey, embeddings[0], { topK: 10 });
    const q0 = cpuMs();
    for (let r = 0; r < 5; r++) for (const e of embeddings) await vectors.query(collectionKey, e, { topK: 10, minScore: 0 });
    out.cpu_ms_vector_query = round((cpuMs() - q0) / (5 * embeddings.length));
    return out;
  } finally {
    await vectors.close();
    await pipeline.close();
  }
}

/**
 * The machine's speed at the work that dominates a search: one run of the embedder on one chip,
 * one thread, CPU ms (median of 5 batches of 10). VMs of the same size differ by up to 2× here, so
 * runs on different machines compare only beside this number.
 */
async function embedderRunMs(config: GatewayConfig): Promise<number> {
  const embedder = resolveModelSet(config.modelSet).embedders[0];
  const model = await OnnxModel.load(config.engine.modelCacheDir, embedder.id);
  try {
    const size = embedder.chip.size;
    const input = new Float32Array(size * size * 3).fill(0.5);
    for (let i = 0; i < 5; i++) await model.run(input, [1, size, size, 3]);
    const batches: number[] = [];
    for (let b = 0; b < 5; b++) {
      const c0 = cpuMs();
      for (let i = 0; i < 10; i++) await model.run(input, [1, size, size, 3]);
      batches.push((cpuMs() - c0) / 10);
    }
    return round(batches.sort((x, y) => x - y)[2]);
  } finally {
    await model.release();
  }
}

/** Latency, throughput and both processes' CPU per request of one load run. */
function summarize(prefix: string, r: LoadResult, serverCpuMs: number): Record<string, number | string> {
  const p = percentiles(r.latenciesMs);
  const ok = r.latenciesMs.length;
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const all = Math.max(1, ok + errors);
  return {
    [`${prefix}requests`]: ok,
    [`${prefix}errors`]: errors,
    [`${prefix}error_kinds`]: Object.entries(r.errors).map(([k, n]) => `${k}:${n}`).join(',') || 'none',
    [`${prefix}searches_with_a_match`]: r.matched,
    [`${prefix}seconds`]: round(r.wallSeconds),
    [`${prefix}requests_per_second`]: round(ok / r.wallSeconds),
    [`${prefix}p50_ms`]: round(p.p50),
    [`${prefix}p95_ms`]: round(p.p95),
    [`${prefix}p99_ms`]: round(p.p99),
    [`${prefix}server_cpu_ms_per_request`]: round(serverCpuMs / all),
    [`${prefix}client_cpu_ms_per_request`]: round(r.clientCpuMs / all),
  };
}

/**
 * `bench search-load`: a collection of `faces` faces (a few real portraits plus synthetic ones),
 * then `concurrency` SDK clients calling SearchFacesByImage over HTTP for `seconds`.
 */
export async function runSearchLoad(options: SearchLoadOptions, log: (line: string) => void): Promise<Record<string, number | string>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'facerec-search-load-'));
  const config = loadGatewayConfig({ ...process.env, FACEREC_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', FACEREC_EMBEDDED_WORKER: 'false', FACEREC_QUEUE_LIMIT: String(options.concurrency * 2) });
  try {
    const files = await portraitsOf(options.portraits);
    if (files.length === 0) throw new Error(`no portraits under ${options.portraits}`);
    let gateway = await startGateway(config, { notice: () => undefined });
    const key = gateway.initialKey!;
    const client = (url: string) => new RekognitionClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
    await client(gateway.url).send(new CreateCollectionCommand({ CollectionId: 'load' }));
    const real = files.filter((_, i) => i % 2 === 0);
    for (const f of real) await client(gateway.url).send(new IndexFacesCommand({ CollectionId: 'load', Image: { Bytes: await readFile(f) }, MaxFaces: 1 }));
    await gateway.close();
    log(`indexed ${real.length} real portraits; adding ${options.faces - real.length} synthetic faces`);
    await fillSynthetic(config, key.tenantId, 'load', Math.max(0, options.faces - real.length), (n) => n % 10000 === 0 && log(`  ${n} synthetic faces written`));
    const collectionKey = await loadCollectionKey(config, key.tenantId, 'load');
    const images = await selfies(files);
    const machine = { cpu_ms_embedder_run: await embedderRunMs(config) };
    const profile = options.profile ? await profileStages(config, collectionKey, images) : {};
    gateway = await startGateway(config, { notice: () => undefined });
    try {
      const requests = await signSearches(gateway.url, key, 'load', images);
      // Warm-up, then (with --profile) one search at a time: the server's whole CPU per request.
      await runLoadInChild({ url: gateway.url, requests, concurrency: 1, seconds: 60, maxRequests: 3 });
      let sequential: Record<string, number | string> = {};
      if (options.profile) {
        const s0 = cpuMs();
        const one = await runLoadInChild({ url: gateway.url, requests, concurrency: 1, seconds: 120, maxRequests: requests.length });
        sequential = summarize('sequential_', one, cpuMs() - s0);
      }
      // One continuous load: the warm-up's requests (reported apart), then the measured seconds.
      const w0 = cpuMs();
      let c0 = w0;
      const load = await runLoadInChild({ url: gateway.url, requests, concurrency: options.concurrency, seconds: options.seconds, warmupSeconds: options.warmupSeconds ?? 0 }, () => (c0 = cpuMs()));
      const serverCpu = cpuMs() - c0;
      const warmup = load.warmup ? summarize('warmup_', load.warmup, c0 - w0) : {};
      return {
        faces: options.faces,
        concurrency: options.concurrency,
        ...summarize('', load, serverCpu),
        ...warmup,
        cores: os.availableParallelism(),
        cpu_model: os.cpus()[0]?.model ?? 'unknown',
        ...machine,
        load_average_1m: round(os.loadavg()[0]),
        ...profile,
        ...sequential,
      };
    } finally {
      await gateway.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
