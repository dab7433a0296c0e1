/**
 * The S3, SQS and vector-index peers stopped during ingestion and started again on the same port.
 * Production stack: Postgres (a schema on 127.0.0.1:5432), s3rver, local-aws-sqs, the Pinecone
 * stand-in; the gateway in this process, one worker child process. Each peer sits behind an
 * OutageProxy (fault-kit): "stopped" closes its port and cuts its connections, "started" listens on
 * the same port again, and the peer keeps its data (local-aws-sqs keeps queues in memory, so a real
 * restart of it would drop every message, which is not what an SQS outage does).
 *
 * While a store is down: the album upload route answers 503 with Retry-After (and stores nothing),
 * the photo route 503, the AWS JSON protocol ThrottlingException (not InternalServerError), and
 * the worker process stays up, backing off. After each store is back the album completes and every
 * photo is indexed exactly once.
 *
 * Each outage lasts PEER_OUTAGE_MS (default 3 s, so the test stays short); the 30 s is
 * `PEER_OUTAGE_MS=30000 node --import tsx --test apps/worker/test/peer-outage.test.ts`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { connect, createRepositories, migrateUp, SecretBox, sql, type DatabaseConnection } from '@facerec/db';
import type { PooledFaceEngine } from '@facerec/face';
import { startTestEngine } from '@facerec/face/testing';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@facerec/gateway';
import { createSqsClient, ensureSqsQueues, type FakePineconeServer } from '@facerec/storage';
import { startLocalSqs, startS3rver, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, type AwsPeer } from '@facerec/storage/testing/aws-peers';
import { AlbumsClient } from '../../gateway/test/albums-client.js';
import { signedFetch } from '../../gateway/test/signing.js';
import { albumImages, assertIndexedExactlyOnce, cleanFaceCounts, indexedCount, killAll, modelSetPinecone, OutageProxy, pineconeProbe, postgresPineconeEnv, reserveTestSchema, sleep, smallAlbum, spawnWorker, waitFor, type WorkerProcess } from './fault-kit.js';

const OUTAGE_MS = Number(process.env.PEER_OUTAGE_MS ?? 3000);
const PHOTOS = 12;
const CEILING_MS = 10 * 60_000;

let engine: PooledFaceEngine;
let clean: Map<string, number>;
let pinecone: FakePineconeServer;
let s3: AwsPeer;
let sqs: AwsPeer;
const proxies: Record<'s3' | 'sqs' | 'pinecone', OutageProxy> = {} as Record<'s3' | 'sqs' | 'pinecone', OutageProxy>;
let schema: string;
let user: string;
let db: DatabaseConnection;
let gateway: RunningGateway;
let key: { accessKeyId: string; secretAccessKey: string };
let env: Record<string, string>;

before(async () => {
  engine = await startTestEngine();
  clean = await cleanFaceCounts(engine);
  pinecone = modelSetPinecone();
  s3 = await startS3rver({ buckets: ['photos'] });
  sqs = await startLocalSqs();
  proxies.s3 = new OutageProxy(new URL(s3.endpoint));
  proxies.sqs = new OutageProxy(new URL(sqs.endpoint));
  proxies.pinecone = new OutageProxy(new URL(await pinecone.start()));
  for (const proxy of Object.values(proxies)) await proxy.up();

  ({ schema, user } = await reserveTestSchema());
  db = await connect({ kind: 'postgres', host: '127.0.0.1', port: 5432, user, database: 'test', schema, poolSize: 2 });
  await migrateUp(db.db);
  const serverKey = randomBytes(32).toString('hex');
  const repos = createRepositories(db.db, new SecretBox(serverKey));
  const tenant = await repos.tenants.create({ name: 'outage studio' });
  key = await repos.apiKeys.create(tenant.id, 'test');

  const client = createSqsClient({ endpoint: sqs.endpoint, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS });
  const queues = await ensureSqsQueues(client, `outage-${randomBytes(4).toString('hex')}`, { maxReceives: 30, visibilityTimeoutSeconds: 4 });
  client.destroy();
  env = {
    FACEREC_MODE: 'production',
    FACEREC_SERVER_KEY: serverKey,
    FACEREC_EMBEDDED_WORKER: 'false',
    ...postgresPineconeEnv({ host: '127.0.0.1', port: 5432, user, database: 'test', schema }, proxies.pinecone.endpoint),
    FACEREC_BLOB_STORE: 's3',
    S3_BUCKET: 'photos',
    S3_ENDPOINT: proxies.s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    FACEREC_QUEUE: 'sqs',
    SQS_QUEUE_URL: queues.queueUrl,
    SQS_DLQ_URL: queues.deadLetterQueueUrl,
    SQS_ENDPOINT: proxies.sqs.endpoint,
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_AWS_REGION,
    // local-aws-sqs counts each visibility heartbeat as a receive: room for that quirk and the outages.
    QUEUE_MAX_RECEIVES: '30',
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: '4',
    QUEUE_WAIT_SECONDS: '1',
    FACEREC_THREADS: '1',
    LOG_LEVEL: 'error',
    WORKER_PORT: '0',
  };
  gateway = await startGateway(loadGatewayConfig({ ...process.env, ...env, PORT: '0', LOG_LEVEL: 'silent' }), { engine, notice: () => undefined });
});

after(async () => {
  await gateway?.close();
  for (const proxy of Object.values(proxies)) await proxy.down();
  if (db) {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.db);
    await db.close();
  }
  await s3?.stop();
  await sqs?.stop();
  await pinecone?.stop();
  await engine?.close();
});



/** A one-photo multipart upload, raw, so the test sees the status and headers. */
async function rawUpload(client: AlbumsClient, albumId: string, file: string): Promise<Response> {
  const form = new FormData();
  form.append('files', new Blob([new Uint8Array(readFileSync(file))], { type: 'image/jpeg' }), 'during-outage.jpg');
  return fetch(`${gateway.url}/api/v1/albums/${albumId}/photos`, { method: 'POST', headers: client.headers(), body: form });
}

async function assertRetryLater(res: Response, what: string): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 503, `${what}: ${text}`);
  assert.ok(Number(res.headers.get('retry-after')) >= 1, `${what}: Retry-After`);
  assert.doesNotMatch(text, /127\.0\.0\.1|ECONNREFUSED|s3rver/i, `${what}: no internals in the answer`);
}

/** Keeps the peer down for OUTAGE_MS (probes included), then brings it back on the same port. */
async function outage(name: keyof typeof proxies, worker: WorkerProcess, probes: () => Promise<void>): Promise<void> {
  const proxy = proxies[name];
  const port = proxy.endpoint;
  await proxy.down();
  const since = Date.now();
  await probes();
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - since)));
  assert.equal(worker.child.exitCode, null, `the worker survived the ${name} outage:\n${worker.output.join('\n')}`);
  await proxy.up();
  assert.equal(proxy.endpoint, port, 'back on the same port');
}

test(`S3, SQS and the vector index each down for ${OUTAGE_MS} ms mid-album: 503 + Retry-After, no crash, the album completes exactly once`, async () => {
  const client = new AlbumsClient(gateway.url, `${key.accessKeyId}:${key.secretAccessKey}`);
  const workers: WorkerProcess[] = [];
  try {
    const worker = await spawnWorker(env);
    workers.push(worker);
    const album = await client.createAlbum('outage');
    const sources = smallAlbum('out', PHOTOS);
    const uploaded = await client.uploadFiles(album.albumId, sources);
    const sample = sources[0].file;
    // A Rekognition collection with one face, for the AWS JSON probe while the index is down.
    const aws = (target: string, body: unknown) => signedFetch({ url: gateway.url, target: `RekognitionService.${target}`, body: JSON.stringify(body), accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    assert.equal((await aws('CreateCollection', { CollectionId: 'outage' })).status, 200);
    const indexedFace = (await (await aws('IndexFaces', { CollectionId: 'outage', Image: { Bytes: readFileSync(sample).toString('base64') }, MaxFaces: 1 })).json()) as { FaceRecords: { Face: { FaceId: string } }[] };
    const faceId = indexedFace.FaceRecords[0].Face.FaceId;

    await waitFor(async () => (await indexedCount(db, album.albumId)) >= 2, 'two photos indexed', CEILING_MS);
    await outage('s3', worker, async () => {
      await assertRetryLater(await rawUpload(client, album.albumId, sample), 'upload while S3 is down');
      await assertRetryLater(await fetch(`${gateway.url}/api/v1/albums/${album.albumId}/photos/${uploaded[0].imageId}`, { headers: client.headers() }), 'photo bytes while S3 is down');
    });
    await waitFor(async () => (await indexedCount(db, album.albumId)) >= 5, 'five photos indexed after S3 came back', CEILING_MS);
    await outage('sqs', worker, async () => {
      await assertRetryLater(await rawUpload(client, album.albumId, sample), 'upload while SQS is down');
    });
    await waitFor(async () => (await indexedCount(db, album.albumId)) >= 8, 'eight photos indexed after SQS came back', CEILING_MS);
    await outage('pinecone', worker, async () => {
      const res = await aws('SearchFaces', { CollectionId: 'outage', FaceId: faceId });
      const body = (await res.json()) as { __type?: string };
      assert.deepEqual({ status: res.status, type: body.__type }, { status: 500, type: 'ThrottlingException' }, 'AWS JSON: Rekognition\'s "temporarily unable to process", which the SDKs retry');
    });

    await waitFor(async () => (await albumImages(db, album.albumId)).every((i) => i.status === 'indexed' || i.status === 'failed'), 'the album done', CEILING_MS);
    assert.equal(worker.child.exitCode, null, 'the same worker process finished the album');
    // Nothing from the refused uploads was kept: exactly the album's photos, each indexed once.
    const totalFaces = sources.reduce((n, s) => n + clean.get(s.file)!, 0);
    const images = await assertIndexedExactlyOnce(db, album.albumId, sources, clean, pineconeProbe(proxies.pinecone.endpoint));
    const retried = images.filter((i) => i.attempts > 1).length;
    process.stderr.write(`[outage] ${OUTAGE_MS} ms per peer; ${retried}/${PHOTOS} photos taken more than once; ${totalFaces} faces; proxy connections s3=${proxies.s3.connections} sqs=${proxies.sqs.connections} pinecone=${proxies.pinecone.connections}\n`);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    process.stderr.write(`[outage] worker ${metrics.split('\n').filter((l) => l.startsWith('facerec_worker_photos_total')).join('; ')}\n`);
    worker.child.kill('SIGTERM');
    assert.deepEqual(await worker.exited, { code: 0, signal: null });
  } finally {
    await killAll(workers);
  }
});
