/**
 * Backpressure on the real embedded gateway: one engine thread and a queue of two images
 * (FACEREC_QUEUE_LIMIT=2). Bursts of concurrent searches through the real AWS SDK and the REST API
 * overflow the queue: the overflow gets ProvisionedThroughputExceededException (HTTP 400, a client
 * error in Rekognition's model) and REST 429, both with Retry-After, the queue-depth gauge in /metrics
 * never passes the limit, and normal requests succeed once the burst is over. Album uploads during
 * such a burst are accepted into the durable queue (201, never 429) and every photo is indexed on
 * its first receive: ingestion waits for the busy engine instead of being throttled.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as R from '@aws-sdk/client-rekognition';
import { loadGatewayConfig, startGateway, type RunningGateway } from '../src/index.js';
import { AlbumsClient, FACES_DEV, requireDevPhotos } from './albums-client.js';
import { embeddedTestEnv } from './harness.js';

requireDevPhotos();
const QUEUE_LIMIT = 2;
const SDK_CLIENTS = 12;
const REST_CLIENTS = 12;
const ROUNDS = 4;
/** Only stops a hung test; it asserts nothing about speed. */
const CEILING_MS = 10 * 60_000;

type Outcome = { ok: true } | { ok: false; name: string; status: number | undefined; retryAfter: string | null | undefined };

/** Polls /metrics while a burst runs and keeps the largest engine queue depth it saw. */
class DepthWatcher {
  max = 0;
  samples = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly url: string) {
    this.loop = this.poll();
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const text = await (await fetch(`${this.url}/metrics`)).text();
      const match = /^facerec_engine_queue_depth (\d+)$/m.exec(text);
      assert.ok(match, 'the queue depth gauge is exported');
      this.max = Math.max(this.max, Number(match[1]));
      this.samples++;
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

function count(outcomes: readonly Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.ok ? 'ok' : `${o.name}:${o.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('backpressure: a full engine queue answers throttled instead of queueing without bound', () => {
  let dataDir: string;
  let gateway: RunningGateway;
  let sdk: R.RekognitionClient;
  let rest: AlbumsClient;
  let selfie: Uint8Array;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-backpressure-'));
    gateway = await startGateway(loadGatewayConfig(embeddedTestEnv(dataDir, { LOG_LEVEL: 'error', FACEREC_QUEUE_LIMIT: String(QUEUE_LIMIT) })), { notice: () => undefined });
    const key = gateway.initialKey;
    assert.ok(key);
    // maxAttempts 1: the SDK would otherwise retry the throttling error itself (it is retryable).
    sdk = new R.RekognitionClient({ endpoint: gateway.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey } });
    rest = new AlbumsClient(gateway.url, `${key.accessKeyId}:${key.secretAccessKey}`);
    await sdk.send(new R.CreateCollectionCommand({ CollectionId: 'crowd' }));
    await sdk.send(new R.IndexFacesCommand({ CollectionId: 'crowd', Image: { Bytes: await readFile(path.join(FACES_DEV, 'barack_obama', '1.jpg')) }, MaxFaces: 1 }));
    selfie = new Uint8Array(await readFile(path.join(FACES_DEV, 'barack_obama', '2.jpg')));
  });

  after(async () => {
    await gateway?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function sdkSearch(): Promise<Outcome> {
    try {
      await sdk.send(new R.SearchFacesByImageCommand({ CollectionId: 'crowd', Image: { Bytes: selfie }, MaxFaces: 5 }));
      return { ok: true };
    } catch (e) {
      if (!(e instanceof R.RekognitionServiceException)) throw e;
      return { ok: false, name: e.name, status: e.$metadata.httpStatusCode, retryAfter: e.$response?.headers['retry-after'] };
    }
  }

  async function restSearch(): Promise<Outcome> {
    const res = await rest.search('/collections/crowd/search-faces', selfie);
    const body = (await res.json()) as { code?: string };
    if (res.ok) return { ok: true };
    return { ok: false, name: body.code ?? 'unknown', status: res.status, retryAfter: res.headers.get('retry-after') };
  }

  /**
   * SDK_CLIENTS and REST_CLIENTS concurrent callers, each making `rounds` calls back to back (after
   * a throttled answer, waiting `pauseMs` first: a long burst must not spin on the engine's CPU).
   */
  async function burst(rounds: number, keepGoing: () => boolean = () => true, pauseMs = 0): Promise<{ sdk: Outcome[]; rest: Outcome[] }> {
    const sdkOutcomes: Outcome[] = [];
    const restOutcomes: Outcome[] = [];
    const caller = async (call: () => Promise<Outcome>, into: Outcome[]) => {
      for (let i = 0; i < rounds && keepGoing(); i++) {
        const outcome = await call();
        into.push(outcome);
        if (!outcome.ok && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    };
    await Promise.all([
      ...Array.from({ length: SDK_CLIENTS }, () => caller(sdkSearch, sdkOutcomes)),
      ...Array.from({ length: REST_CLIENTS }, () => caller(restSearch, restOutcomes)),
    ]);
    return { sdk: sdkOutcomes, rest: restOutcomes };
  }

  test('the overflow gets ProvisionedThroughputExceededException (AWS 400) and 429 + Retry-After (REST); the queue stays within its limit', async () => {
    const watcher = new DepthWatcher(gateway.url);
    const outcomes = await burst(ROUNDS);
    await watcher.stop();
    const sdkCounts = count(outcomes.sdk);
    const restCounts = count(outcomes.rest);
    // Every call either succeeded or was throttled: nothing else (no 500, no timeout).
    assert.deepEqual(Object.keys(sdkCounts).sort(), ['ProvisionedThroughputExceededException:400', 'ok'], JSON.stringify(sdkCounts));
    assert.deepEqual(Object.keys(restCounts).sort(), ['ProvisionedThroughputExceededException:429', 'ok'], JSON.stringify(restCounts));
    for (const o of [...outcomes.sdk, ...outcomes.rest]) if (!o.ok) assert.ok(Number(o.retryAfter) >= 1, `Retry-After on a throttled answer: ${o.retryAfter}`);
    assert.equal(outcomes.sdk.length + outcomes.rest.length, (SDK_CLIENTS + REST_CLIENTS) * ROUNDS);
    // The gauge saw the queue in use, and never beyond the limit.
    assert.ok(watcher.samples > 0);
    assert.ok(watcher.max >= 1, `the burst filled the queue (max depth seen ${watcher.max} in ${watcher.samples} samples)`);
    assert.ok(watcher.max <= QUEUE_LIMIT, `queue depth ${watcher.max} exceeded the limit ${QUEUE_LIMIT}`);
  });

  test('after the burst, normal requests succeed through both APIs', async () => {
    const sdkResult = await sdk.send(new R.SearchFacesByImageCommand({ CollectionId: 'crowd', Image: { Bytes: selfie }, MaxFaces: 5 }));
    assert.equal(sdkResult.FaceMatches?.length, 1);
    const res = await rest.search('/collections/crowd/search-faces', selfie);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as R.SearchFacesByImageResponse;
    assert.equal(body.FaceMatches?.length, 1);
  });

  test('album uploads during a burst go to the durable queue (201) and every photo is indexed on its first receive', async () => {
    const album = await rest.createAlbum('Busy night');
    const files = ['two_people.jpg', 'obama_and_biden.jpg', 'kit_with_rose.jpg'].map((f) => ({ name: f, file: path.join(FACES_DEV, '_groups', f) }));
    let done = false;
    const watcher = new DepthWatcher(gateway.url);
    // Searchers keep the engine saturated until the album is done (or a generous round count).
    const searching = burst(1_000, () => !done, 100);
    const accepted = await rest.uploadFiles(album.albumId, files, 1);
    assert.equal(accepted.length, files.length);
    const progress = await rest.waitDone(album.albumId, CEILING_MS).finally(() => (done = true));
    const outcomes = await searching;
    await watcher.stop();
    const all = [...outcomes.sdk, ...outcomes.rest];
    assert.ok(all.some((o) => !o.ok), 'the searches did overflow the engine queue while the album ingested');
    assert.deepEqual({ indexed: progress.indexed, failed: progress.failed }, { indexed: files.length, failed: 0 });
    const photos = await rest.allPhotos(album.albumId);
    assert.deepEqual(photos.map((p) => p.attempts), files.map(() => 1), 'no receive was spent on a busy engine');
    assert.ok(watcher.max <= QUEUE_LIMIT, `queue depth ${watcher.max} exceeded the limit ${QUEUE_LIMIT}`);
  });
});
