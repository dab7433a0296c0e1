/**
 * `facerec bench album --images <dir> --workers N`: album ingestion end to end on the embedded
 * stack in a temp data dir (PGlite, files, table queue, local index): every image uploaded through
 * the REST API, indexed by the gateway's in-process worker with N engine threads. Reports the time
 * to the first indexed photo and the throughput from the first upload to the last photo indexed.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidParameterError } from '@facerec/core';
import { listImages } from '@facerec/eval';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@facerec/gateway';
import { parse, type Command } from './command.js';

const USAGE = 'facerec bench album --images <dir> [--workers N]   (N engine threads in the embedded worker, default 1)';
const UPLOAD_BATCH = 20;

export interface BenchStack {
  gateway: RunningGateway;
  /** Authorization header value. */
  authorization: string;
  close(): Promise<void>;
}

/** A fresh embedded gateway (temp data dir, in-process worker with `threads` engine threads; `settings`: more variables). */
export async function startBenchStack(threads: number, settings: Record<string, string> = {}): Promise<BenchStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-bench-'));
  const env: Record<string, string> = { FACEREC_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', FACEREC_THREADS: String(threads), QUEUE_WAIT_SECONDS: '1', ...settings };
  for (const name of ['FACEREC_MODEL_CACHE', 'FACEREC_MODEL_SET']) if (process.env[name]) env[name] = process.env[name]!;
  const gateway = await startGateway(loadGatewayConfig(env), { notice: () => undefined });
  const key = gateway.initialKey;
  if (!key) throw new Error('a fresh data dir must create the initial key');
  return {
    gateway,
    authorization: `Bearer ${key.accessKeyId}:${key.secretAccessKey}`,
    close: async () => {
      await gateway.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function api<T>(stack: BenchStack, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.gateway.url}/api/v1${route}`, {
    method,
    headers: { authorization: stack.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Uploads files (name → path) in multipart batches; returns image id → name. */
export async function uploadAll(stack: BenchStack, albumId: string, files: readonly { name: string; file: string }[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < files.length; i += UPLOAD_BATCH) {
    const form = new FormData();
    for (const f of files.slice(i, i + UPLOAD_BATCH)) form.append('files', new Blob([new Uint8Array(await readFile(f.file))], { type: 'image/jpeg' }), f.name);
    const res = await fetch(`${stack.gateway.url}/api/v1/albums/${albumId}/photos`, { method: 'POST', headers: { authorization: stack.authorization }, body: form });
    const result = (await res.json()) as { accepted: { imageId: string; name: string }[]; rejected: { name: string; code: string }[] };
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(result)}`);
    for (const r of result.rejected) process.stderr.write(`rejected ${r.name}: ${r.code}\n`);
    for (const a of result.accepted) ids.set(a.imageId, a.name);
  }
  return ids;
}

interface Progress {
  total: number;
  indexed: number;
  failed: number;
  done: boolean;
}

/** Polls progress every 100 ms until done; returns when the first photo finished and when all did. */
export async function waitIndexed(stack: BenchStack, albumId: string, started: number, onProgress?: (p: Progress) => void): Promise<{ firstMs: number | undefined; lastMs: number; progress: Progress }> {
  let firstMs: number | undefined;
  for (;;) {
    const { progress } = await api<{ progress: Progress }>(stack, 'GET', `/albums/${albumId}`);
    onProgress?.(progress);
    if (firstMs === undefined && progress.indexed + progress.failed > 0) firstMs = performance.now() - started;
    if (progress.done) return { firstMs, lastMs: performance.now() - started, progress };
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidParameterError(`${flag} must be a positive integer`);
  return n;
}

export const benchAlbumCommand: Command = {
  summary: 'album ingestion end to end: upload → last photo indexed, time to first indexed photo',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, { images: { type: 'string' }, workers: { type: 'string' } }, USAGE);
    if (!values.images) throw new InvalidParameterError(`--images is required\nusage: ${USAGE}`);
    const threads = positiveInt(values.workers, '--workers', 1);
    const files = (await listImages(values.images, { recursive: true })).map((rel, i) => ({ name: `${i}-${rel.replaceAll(path.sep, '_')}`, file: path.join(values.images!, rel) }));
    if (files.length === 0) throw new InvalidParameterError(`no images under ${values.images}`);
    const stack = await startBenchStack(threads);
    try {
      const album = await api<{ albumId: string }>(stack, 'POST', '/albums', { name: 'bench album' });
      const started = performance.now();
      // Indexing starts with the first batch; uploads and indexing overlap as they would for a studio.
      const watching = waitIndexed(stack, album.albumId, started);
      await uploadAll(stack, album.albumId, files);
      const uploadMs = performance.now() - started;
      const { firstMs, lastMs, progress } = await watching;
      process.stdout.write(
        `${JSON.stringify({
          photos: progress.total,
          indexed: progress.indexed,
          failed: progress.failed,
          workers: threads,
          upload_seconds: round(uploadMs / 1000),
          first_indexed_seconds: firstMs === undefined ? null : round(firstMs / 1000),
          total_seconds: round(lastMs / 1000),
          photos_per_second: round(progress.total / (lastMs / 1000)),
        })}\n`,
      );
      return 0;
    } finally {
      await stack.close();
    }
  },
};

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
