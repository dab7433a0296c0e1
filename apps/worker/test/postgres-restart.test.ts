/**
 * Postgres restarted during ingestion. The shared cluster on 5432 is never touched: the test runs
 * its own cluster (initdb + pg_ctl on a free port, see @facerec/db's private-cluster helper) and
 * puts everything that lives in Postgres there: the rows, and the table queue the worker reads.
 *
 * An album of small photos is uploaded through the gateway (in this process) and taken by a
 * worker child process. Once a few photos are indexed the cluster gets `pg_ctl restart -m fast`
 * (every connection cut); later it is stopped for a while, and while it is down the gateway must
 * answer "try again" (REST: 503 with Retry-After; AWS JSON protocol: ThrottlingException, the
 * Rekognition error for "temporarily unable to process the request") and neither process may die.
 * After it starts again, the album completes: every photo indexed exactly once, the worker process
 * the same one that started (it reconnected, it did not crash and get replaced).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connect, startPrivateCluster, type DatabaseConnection, type PrivateCluster } from '@facerec/db';
import type { PooledFaceEngine } from '@facerec/face';
import { startTestEngine } from '@facerec/face/testing';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@facerec/gateway';
import type { FakePineconeServer } from '@facerec/storage';
import { AlbumsClient } from '../../gateway/test/albums-client.js';
import { signedFetch } from '../../gateway/test/signing.js';
import { albumImages, assertIndexedExactlyOnce, cleanFaceCounts, killAll, modelSetPinecone, pineconeProbe, postgresPineconeEnv, sleep, smallAlbum, spawnWorker, waitFor, type WorkerProcess } from './fault-kit.js';

const PHOTOS = 12;
/** How long the cluster stays down in the stop/start phase. */
const DOWN_MS = Number(process.env.PG_DOWN_MS ?? 3000);
const CEILING_MS = 5 * 60_000;

let cluster: PrivateCluster;
let engine: PooledFaceEngine;
let clean: Map<string, number>;
let pinecone: FakePineconeServer;
let dataDir: string;
let gateway: RunningGateway;
let env: Record<string, string>;

before(async () => {
  cluster = await startPrivateCluster();
  engine = await startTestEngine();
  clean = await cleanFaceCounts(engine);
  pinecone = modelSetPinecone();
  dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-pgrestart-'));
  env = {
    FACEREC_MODE: 'embedded',
    FACEREC_DATA_DIR: dataDir,
    FACEREC_BLOB_STORE: 'fs',
    FACEREC_QUEUE: 'table',
    FACEREC_EMBEDDED_WORKER: 'false',
    ...postgresPineconeEnv({ ...cluster, schema: 'facerec' }, await pinecone.start()),
    QUEUE_MAX_RECEIVES: '20',
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: '3',
    QUEUE_WAIT_SECONDS: '1',
    FACEREC_THREADS: '1',
    LOG_LEVEL: 'error',
    WORKER_PORT: '0',
  };
  // The outage makes the gateway log every refused request at error level: silenced here.
  gateway = await startGateway(loadGatewayConfig({ ...process.env, ...env, PORT: '0', LOG_LEVEL: 'silent' }), { engine, notice: () => undefined });
});

after(async () => {
  await gateway?.close();
  await pinecone?.stop();
  await engine?.close();
  await cluster?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function openDb(): Promise<DatabaseConnection> {
  return connect({ kind: 'postgres', host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database, schema: 'facerec', poolSize: 1 });
}

/** Reads the album's image states on a fresh connection (the cluster restarts under the test too). */
async function states(albumId: string): Promise<string[]> {
  const db = await openDb();
  try {
    return (await albumImages(db, albumId)).map((i) => i.status);
  } finally {
    await db.close();
  }
}


test('Postgres restarted and stopped during ingestion: both processes reconnect, the album completes exactly once', async () => {
  const key = gateway.initialKey;
  assert.ok(key);
  const client = new AlbumsClient(gateway.url, `${key.accessKeyId}:${key.secretAccessKey}`);
  const workers: WorkerProcess[] = [];
  try {
    const worker = await spawnWorker(env);
    workers.push(worker);
    const album = await client.createAlbum('postgres restart');
    const sources = smallAlbum('pg', PHOTOS);
    await client.uploadFiles(album.albumId, sources);

    await waitFor(async () => (await states(album.albumId)).filter((s) => s === 'indexed').length >= 2, 'two photos indexed', CEILING_MS);
    await cluster.restart();
    const afterRestart = await states(album.albumId);
    assert.ok(afterRestart.some((s) => s !== 'indexed'), 'the restart came before the album was done');

    await waitFor(async () => (await states(album.albumId)).filter((s) => s === 'indexed').length >= 6, 'six photos indexed after the restart', CEILING_MS);
    await cluster.stop();
    const downSince = Date.now();
    // REST (studio route): 503 + Retry-After, the fixed "try again" message, no internals.
    const rest = await fetch(`${gateway.url}/api/v1/albums/${album.albumId}`, { headers: client.headers() });
    const restBody = (await rest.json()) as { code?: string; message?: string };
    assert.equal(rest.status, 503, JSON.stringify(restBody));
    assert.ok(Number(rest.headers.get('retry-after')) >= 1, 'Retry-After on a 503');
    assert.doesNotMatch(JSON.stringify(restBody), /ECONNREFUSED|127\.0\.0\.1|5432|select/i);
    // The album upload route: 503 + Retry-After as well, nothing half-written.
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(Buffer.from('x'))], { type: 'image/jpeg' }), 'x.jpg');
    const upload = await fetch(`${gateway.url}/api/v1/albums/${album.albumId}/photos`, { method: 'POST', headers: client.headers(), body: form });
    assert.equal(upload.status, 503, await upload.text());
    assert.ok(Number(upload.headers.get('retry-after')) >= 1);
    // AWS JSON protocol: Rekognition's ThrottlingException (a server fault the SDKs retry), not InternalServerError.
    const aws = await signedFetch({ url: gateway.url, target: 'RekognitionService.ListCollections', body: '{}', accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    const awsBody = (await aws.json()) as { __type?: string };
    assert.equal(awsBody.__type, 'ThrottlingException', JSON.stringify(awsBody));
    assert.equal(aws.status, 500, 'ThrottlingException is a server fault in the Rekognition model');
    // Health tells the load balancer the gateway cannot serve.
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 503);
    await sleep(Math.max(0, DOWN_MS - (Date.now() - downSince)));
    assert.equal(worker.child.exitCode, null, `the worker survived the outage:\n${worker.output.join('\n')}`);
    await cluster.start();

    await waitFor(async () => (await states(album.albumId)).every((s) => s === 'indexed' || s === 'failed'), 'the album done', CEILING_MS);
    assert.equal(worker.child.exitCode, null, 'the same worker process finished the album');
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200, 'the gateway is ready again');
    const progress = await client.progress(album.albumId);
    assert.deepEqual({ indexed: progress.indexed, failed: progress.failed }, { indexed: PHOTOS, failed: 0 });
    const db = await openDb();
    try {
      const totalFaces = sources.reduce((n, s) => n + clean.get(s.file)!, 0);
      const images = await assertIndexedExactlyOnce(db, album.albumId, sources, clean, pineconeProbe(env.PINECONE_INDEX_HOST), totalFaces);
      process.stderr.write(`[pg-restart] ${images.filter((i) => i.attempts > 1).length} of ${PHOTOS} photos were taken more than once; ${totalFaces} faces\n`);
    } finally {
      await db.close();
    }
    worker.child.kill('SIGTERM');
    assert.deepEqual(await worker.exited, { code: 0, signal: null });
  } finally {
    await killAll(workers);
  }
});
