import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { CreateCollectionCommand, IndexFacesCommand, RekognitionClient, SearchFacesByImageCommand } from '@aws-sdk/client-rekognition';
import { connect, createRepositories, SecretBox, type NewFace } from '@facerec/db';
import { percentiles } from '@facerec/eval';
import { embeddingDim, resolveModelSet } from '@facerec/face';
import { loadGatewayConfig, resolveServerKey, startGateway, type GatewayConfig } from '@facerec/gateway';
import { LocalVectorIndex, vectorCollectionKey } from '@facerec/storage';

export interface SearchLoadOptions {
  faces: number;
  concurrency: number;
  seconds: number;
  /** Folder of portraits (identity folders); some are indexed as real faces, all are used as selfies. */
  portraits: string;
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

async function portraitsOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('_')) continue;
    for (const f of await readdir(path.join(dir, entry.name))) if (/\.jpe?g$/i.test(f)) out.push(path.join(dir, entry.name, f));
  }
  return out.sort();
}

/** Selfie-sized JPEGs (≈ 640 px long side, quality 85), as a phone upload would be after resizing. */
async function selfies(files: readonly string[]): Promise<Uint8Array[]> {
  return Promise.all(files.map(async (f) => new Uint8Array(await sharp(await readFile(f)).rotate().resize(640, 640, { fit: 'inside', withoutEnlargement: false }).jpeg({ quality: 85 }).toBuffer())));
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
    gateway = await startGateway(config, { notice: () => undefined });
    const images = await selfies(files);
    const c = client(gateway.url);
    // Warm-up: load the collection into the index and the models' first runs.
    await c.send(new SearchFacesByImageCommand({ CollectionId: 'load', Image: { Bytes: images[0] }, MaxFaces: 10 }));
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    let matched = 0;
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, w) => {
        for (let n = w; performance.now() < deadline; n += options.concurrency) {
          const t0 = performance.now();
          try {
            const r = await c.send(new SearchFacesByImageCommand({ CollectionId: 'load', Image: { Bytes: images[n % images.length] }, MaxFaces: 10 }));
            if ((r.FaceMatches?.length ?? 0) > 0) matched++;
            latencies.push(performance.now() - t0);
          } catch (e) {
            const name = e instanceof Error ? e.name : 'Error';
            errors[name] = (errors[name] ?? 0) + 1;
          }
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    await gateway.close();
    const p = percentiles(latencies);
    return {
      faces: options.faces,
      concurrency: options.concurrency,
      seconds: Number(wall.toFixed(1)),
      requests: latencies.length,
      errors: Object.values(errors).reduce((a, b) => a + b, 0),
      error_kinds: Object.entries(errors).map(([k, n]) => `${k}:${n}`).join(',') || 'none',
      searches_with_a_match: matched,
      requests_per_second: Number((latencies.length / wall).toFixed(2)),
      p50_ms: Number(p.p50.toFixed(1)),
      p95_ms: Number(p.p95.toFixed(1)),
      p99_ms: Number(p.p99.toFixed(1)),
      cores: os.availableParallelism(),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
