/**
 * `facerec bench soak --searchers 50 --minutes 5`: searches while an album ingests, on one embedded
 * stack (PGlite, files, table queue, local index, the gateway's in-process worker) in a temp dir.
 * A collection holds every other dev portrait (IndexFaces); `searchers` closed-loop clients of the
 * real `@aws-sdk/client-rekognition` send 640 px selfies of all of them (SearchFacesByImage) while a
 * folder is uploaded into an album through the REST album API, again and again, keeping a backlog
 * for the worker. A throttled search (ProvisionedThroughputExceededException / ThrottlingException)
 * is retried after its Retry-After and counted as a retry, not an error; any other failure, or a
 * search still throttled after its retries, is an error. Reports errors by type, search latency
 * (p50/p95/p99, retries included) and req/s, the process RSS at start, middle and end, and photos
 * indexed per minute. The load clients run in the gateway's process: RSS and CPU include them.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateCollectionCommand, IndexFacesCommand, RekognitionClient, RekognitionServiceException, SearchFacesByImageCommand } from '@aws-sdk/client-rekognition';
import { InvalidParameterError } from '@facerec/core';
import { listImages, percentiles } from '@facerec/eval';
import { api, positiveInt, startBenchStack, uploadAll, type BenchStack } from './bench-album.js';
import { parse, type Command } from './command.js';
import { portraitsOf, selfies } from './load-images.js';

const USAGE = 'facerec bench soak [--searchers 50] [--minutes 5] [--threads N] [--queue-limit N] [--portraits <dir>] [--album <dir>]   (defaults: ../shared/faces/dev for both)';
const COLLECTION = 'soak';
/** Photos uploaded per request, and the backlog the uploader keeps waiting for the worker. */
const UPLOAD_BATCH = 20;
const BACKLOG = 40;
const MAX_RETRIES = 5;
const MB = 1024 * 1024;

export interface SoakOptions {
  searchers: number;
  /** Searchers stop starting searches after this long… */
  seconds: number;
  /** …or after this many searches each (tests: a fixed amount of work), whichever comes first. */
  searchesPerSearcher?: number;
  /** Identity folders: every other portrait is indexed, all of them are sent as selfies. */
  portraits: string;
  /** Use only this many portraits, spread over the identities (tests: a shorter set-up). */
  portraitLimit?: number;
  /** Uploaded (recursively, repeatedly) into an album while the searchers run. */
  album: string;
  /** Engine threads (default: the machine's cores). */
  threads: number;
  /** FACEREC_QUEUE_LIMIT of the stack (default: the gateway's default). */
  queueLimit?: number;
  /** Throttled retries of one search before it counts as an error (default 5). */
  maxRetries?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  searchers: number;
  threads: number;
  cores: number;
  seconds: number;
  searches: number;
  /** Throttled attempts that were retried after Retry-After (not errors). */
  retries: number;
  errors: number;
  errorKinds: Record<string, number>;
  searchesWithAMatch: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  selfies: number;
  /** Portraits left out of the selfie set because no face is found in them (not load errors). */
  selfiesWithoutFace: number;
  rssStartMb: number;
  rssMidMb: number;
  rssEndMb: number;
  rssMaxMb: number;
  photosUploaded: number;
  /** Photos indexed (and failed) between the first and the last search. */
  photosIndexedDuringRun: number;
  photosFailedDuringRun: number;
  ingestPhotosPerMinute: number;
  /** The slowest whole minute of ingestion (undefined for a run shorter than a minute). */
  ingestSlowestMinute?: number;
  loadAverageStart: number;
  loadAverageEnd: number;
}

/** Runs the soak on a fresh embedded stack and returns its measurements. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const stack = await startBenchStack(options.threads, options.queueLimit === undefined ? {} : { FACEREC_QUEUE_LIMIT: String(options.queueLimit) });
  let ingestion: Ingestion | undefined;
  let rss: RssSampler | undefined;
  try {
    const client = soakClient(stack, options.searchers);
    const selfieSet = await prepareCollection(client, options.portraits, options.portraitLimit ?? Infinity, log);
    ingestion = await Ingestion.start(stack, options.album, log);
    rss = new RssSampler();
    const loadAverageStart = os.loadavg()[0];
    log(`${options.searchers} searchers for up to ${options.seconds} s over ${selfieSet.images.length} selfies; ingesting ${options.album}`);
    const before = await ingestion.progress();
    const started = performance.now();
    const searches = await new Searchers(client, selfieSet.images, options.maxRetries ?? MAX_RETRIES).run(options.searchers, started + options.seconds * 1000, options.searchesPerSearcher ?? Infinity);
    const wallSeconds = (performance.now() - started) / 1000;
    const after = await ingestion.progress();
    return {
      searchers: options.searchers,
      threads: options.threads,
      cores: os.availableParallelism(),
      seconds: round(wallSeconds),
      ...searchFigures(searches, wallSeconds),
      selfies: selfieSet.images.length,
      selfiesWithoutFace: selfieSet.withoutFace,
      ...rss.stop(),
      ...ingestion.figures(before, after, started, wallSeconds),
      loadAverageStart: round(loadAverageStart),
      loadAverageEnd: round(os.loadavg()[0]),
    };
  } finally {
    rss?.stop();
    await ingestion?.stop();
    await stack.close();
  }
}

/** One SDK client for all searchers, with a socket per searcher. */
function soakClient(stack: BenchStack, searchers: number): RekognitionClient {
  const key = stack.gateway.initialKey!;
  return new RekognitionClient({
    endpoint: stack.gateway.url,
    region: 'us-east-1',
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    // The searchers retry throttled calls themselves (after Retry-After) and count the retries.
    maxAttempts: 1,
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: searchers } },
  });
}

function searchFigures(run: SearchRun, wallSeconds: number): Pick<SoakResult, 'searches' | 'retries' | 'errors' | 'errorKinds' | 'searchesWithAMatch' | 'requestsPerSecond' | 'p50Ms' | 'p95Ms' | 'p99Ms'> {
  const p = run.latenciesMs.length > 0 ? percentiles(run.latenciesMs) : { p50: NaN, p95: NaN, p99: NaN };
  return {
    searches: run.latenciesMs.length,
    retries: run.retries,
    errors: Object.values(run.errors).reduce((a, b) => a + b, 0),
    errorKinds: run.errors,
    searchesWithAMatch: run.matched,
    requestsPerSecond: round(run.latenciesMs.length / wallSeconds),
    p50Ms: round(p.p50),
    p95Ms: round(p.p95),
    p99Ms: round(p.p99),
  };
}

/**
 * Creates the searched collection from every other portrait and sends each selfie once (which
 * also warms the engine and the index); selfies with no detectable face are left out.
 */
async function prepareCollection(client: RekognitionClient, dir: string, limit: number, log: (line: string) => void): Promise<{ images: Uint8Array[]; withoutFace: number }> {
  const all = await portraitsOf(dir);
  const step = Math.max(1, all.length / limit);
  const files = all.filter((_, i) => Math.floor(i / step) !== Math.floor((i - 1) / step));
  if (files.length === 0) throw new InvalidParameterError(`no portraits under ${dir}`);
  await client.send(new CreateCollectionCommand({ CollectionId: COLLECTION }));
  const bytes = await selfies(files);
  for (let i = 0; i < bytes.length; i += 2) await client.send(new IndexFacesCommand({ CollectionId: COLLECTION, Image: { Bytes: bytes[i] }, MaxFaces: 1 })).catch(() => undefined);
  const images: Uint8Array[] = [];
  for (const image of bytes) {
    try {
      await search(client, image);
      images.push(image);
    } catch (e) {
      if (!(e instanceof RekognitionServiceException && e.name === 'InvalidParameterException')) throw e;
    }
  }
  log(`collection "${COLLECTION}": ${Math.ceil(files.length / 2)} portraits indexed; ${images.length} of ${files.length} selfies have a face`);
  if (images.length === 0) throw new InvalidParameterError(`no face found in any portrait under ${dir}`);
  return { images, withoutFace: files.length - images.length };
}

function search(client: RekognitionClient, image: Uint8Array) {
  return client.send(new SearchFacesByImageCommand({ CollectionId: COLLECTION, Image: { Bytes: image }, MaxFaces: 10 }));
}

interface SearchRun {
  latenciesMs: number[];
  errors: Record<string, number>;
  retries: number;
  matched: number;
}

/** Closed-loop SearchFacesByImage clients that honour Retry-After on throttled answers. */
class Searchers {
  private readonly result: SearchRun = { latenciesMs: [], errors: {}, retries: 0, matched: 0 };

  constructor(
    private readonly client: RekognitionClient,
    private readonly images: readonly Uint8Array[],
    private readonly maxRetries: number,
  ) {}

  async run(count: number, deadline: number, perSearcher: number): Promise<SearchRun> {
    await Promise.all(
      Array.from({ length: count }, async (_, w) => {
        for (let n = 0; n < perSearcher && performance.now() < deadline; n++) await this.searchOnce(this.images[(w + n * count) % this.images.length]);
      }),
    );
    return this.result;
  }

  private async searchOnce(image: Uint8Array): Promise<void> {
    const t0 = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await search(this.client, image);
        if ((r.FaceMatches?.length ?? 0) > 0) this.result.matched++;
        this.result.latenciesMs.push(performance.now() - t0);
        return;
      } catch (e) {
        const wait = retryAfterMs(e);
        if (wait === undefined || attempt >= this.maxRetries) {
          const name = e instanceof Error ? e.name : 'Error';
          this.result.errors[name] = (this.result.errors[name] ?? 0) + 1;
          return;
        }
        this.result.retries++;
        await sleep(wait);
      }
    }
  }
}

/** How long a throttled answer asks to wait (its Retry-After, else 1 s); undefined for other errors. */
function retryAfterMs(e: unknown): number | undefined {
  if (!(e instanceof RekognitionServiceException)) return undefined;
  if (e.name !== 'ProvisionedThroughputExceededException' && e.name !== 'ThrottlingException') return undefined;
  const header = Number(e.$response?.headers['retry-after']);
  return (Number.isFinite(header) && header > 0 ? header : 1) * 1000;
}

interface AlbumProgress {
  total: number;
  indexed: number;
  failed: number;
}

/**
 * Uploads a folder into one album in batches, again and again, whenever fewer than BACKLOG photos
 * wait for the worker; samples the album's progress every second.
 */
class Ingestion {
  uploaded = 0;
  private readonly samples: { at: number; indexed: number }[] = [];
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly stack: BenchStack,
    private readonly albumId: string,
    private readonly files: readonly string[],
  ) {}

  static async start(stack: BenchStack, dir: string, log: (line: string) => void): Promise<Ingestion> {
    const files = (await listImages(dir, { recursive: true })).map((rel) => path.join(dir, rel));
    if (files.length === 0) throw new InvalidParameterError(`no images under ${dir}`);
    const album = await api<{ albumId: string }>(stack, 'POST', '/albums', { name: 'soak' });
    const ingestion = new Ingestion(stack, album.albumId, files);
    // The first batch is in the queue before the searchers start.
    await ingestion.uploadNext(0);
    ingestion.loop = ingestion.run();
    // Handled here so a failure waits for stop() instead of crashing the process as unhandled.
    ingestion.loop.catch(() => undefined);
    log(`album ${album.albumId}: uploading ${files.length} photos per round`);
    return ingestion;
  }

  async progress(): Promise<AlbumProgress> {
    return (await api<{ progress: AlbumProgress }>(this.stack, 'GET', `/albums/${this.albumId}`)).progress;
  }

  /** Stops uploading; an upload or poll that failed during the run fails here. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Ingestion between two progress readings taken `wallSeconds` apart, the first at `started`. */
  figures(before: AlbumProgress, after: AlbumProgress, started: number, wallSeconds: number): Pick<SoakResult, 'photosUploaded' | 'photosIndexedDuringRun' | 'photosFailedDuringRun' | 'ingestPhotosPerMinute' | 'ingestSlowestMinute'> {
    const indexed = after.indexed - before.indexed;
    const slowest = this.slowestMinute(started);
    return {
      photosUploaded: this.uploaded,
      photosIndexedDuringRun: indexed,
      photosFailedDuringRun: after.failed - before.failed,
      ingestPhotosPerMinute: round(indexed / (wallSeconds / 60)),
      ...(slowest === undefined ? {} : { ingestSlowestMinute: slowest }),
    };
  }

  /** Photos done in the slowest whole minute after `from` (performance.now() ms). */
  private slowestMinute(from: number): number | undefined {
    const counts: number[] = [];
    const at = (t: number) => this.samples.find((s) => s.at >= t)?.indexed;
    for (let start = from; ; start += 60_000) {
      const [a, b] = [at(start), at(start + 60_000)];
      if (a === undefined || b === undefined) break;
      counts.push(b - a);
    }
    return counts.length > 0 ? Math.min(...counts) : undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const progress = await this.progress();
      this.samples.push({ at: performance.now(), indexed: progress.indexed + progress.failed });
      if (progress.total - progress.indexed - progress.failed < BACKLOG) await this.uploadNext(this.uploaded);
      await sleep(1000);
    }
  }

  private async uploadNext(from: number): Promise<void> {
    const batch = Array.from({ length: UPLOAD_BATCH }, (_, i) => {
      const n = from + i;
      const file = this.files[n % this.files.length];
      return { name: `${Math.floor(n / this.files.length)}-${path.basename(file)}`, file };
    });
    this.uploaded += (await uploadAll(this.stack, this.albumId, batch)).size;
  }
}

/** The process RSS every second: at the start, the sample nearest the middle, the end, the peak. */
class RssSampler {
  private readonly samples: { at: number; rss: number }[] = [{ at: performance.now(), rss: process.memoryUsage.rss() }];
  private readonly timer = setInterval(() => this.samples.push({ at: performance.now(), rss: process.memoryUsage.rss() }), 1000);

  stop(): Pick<SoakResult, 'rssStartMb' | 'rssMidMb' | 'rssEndMb' | 'rssMaxMb'> {
    clearInterval(this.timer);
    this.samples.push({ at: performance.now(), rss: process.memoryUsage.rss() });
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const middle = (first.at + last.at) / 2;
    const mid = this.samples.reduce((best, s) => (Math.abs(s.at - middle) < Math.abs(best.at - middle) ? s : best));
    const mb = (bytes: number) => round(bytes / MB);
    return { rssStartMb: mb(first.rss), rssMidMb: mb(mid.rss), rssEndMb: mb(last.rss), rssMaxMb: mb(Math.max(...this.samples.map((s) => s.rss))) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export const benchSoakCommand: Command = {
  summary: 'searches during album ingestion: errors, search latency and req/s, RSS over time, photos indexed per minute',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, { searchers: { type: 'string' }, minutes: { type: 'string' }, threads: { type: 'string' }, 'queue-limit': { type: 'string' }, portraits: { type: 'string' }, album: { type: 'string' } }, USAGE);
    const minutes = values.minutes === undefined ? 5 : Number(values.minutes);
    if (!(minutes > 0)) throw new InvalidParameterError('--minutes must be a positive number');
    const dev = path.resolve('..', 'shared', 'faces', 'dev');
    const result = await runSoak({
      searchers: positiveInt(values.searchers, '--searchers', 50),
      seconds: minutes * 60,
      threads: positiveInt(values.threads, '--threads', os.availableParallelism()),
      ...(values['queue-limit'] === undefined ? {} : { queueLimit: positiveInt(values['queue-limit'], '--queue-limit', 64) }),
      portraits: values.portraits ?? dev,
      album: values.album ?? dev,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const { errorKinds, ...rest } = result;
    const kinds = Object.entries(errorKinds).map(([k, n]) => `${k}:${n}`).join(',') || 'none';
    process.stderr.write(`errors by type: ${kinds}\n`);
    process.stdout.write(`${JSON.stringify({ ...rest, errorKinds: kinds })}\n`);
    return result.errors === 0 ? 0 : 1;
  },
};
