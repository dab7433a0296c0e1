/**
 * SIGKILL at random points, ten runs: each run uploads a small album (4 photos) and lets the
 * current worker process take it; at a seeded random moment (after a random number of its photos
 * are indexed, plus a random fraction of one photo's time) the worker gets SIGKILL. A fresh worker
 * process then finishes the album, and every store is read: each photo indexed exactly once (status,
 * face count and face rows equal a clean analysis, no duplicate (image, face index), every face's
 * vector in the index, and the index holding no vector beyond the face rows of all runs so far).
 * The fresh worker is the next run's victim.
 *
 * The seed is printed; replay a run with FAULT_SEED=<seed>. SIGKILL_RUNS changes the number of runs.
 * Stack: the gateway in this process (embedded mode on Postgres 127.0.0.1:5432, a schema per test:
 * files + table queue), the Pinecone stand-in for vectors (worker processes cannot share PGlite or
 * the local index), the real worker entry as child processes.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connect, sql, type DatabaseConnection } from '@facerec/db';
import type { PooledFaceEngine } from '@facerec/face';
import { startTestEngine } from '@facerec/face/testing';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@facerec/gateway';
import type { FakePineconeServer } from '@facerec/storage';
import { AlbumsClient } from '../../gateway/test/albums-client.js';
import { seededRandom } from '@facerec/core';
import { albumImages, assertIndexedExactlyOnce, cleanFaceCounts, indexedCount, killAll, modelSetPinecone, pineconeProbe, postgresPineconeEnv, reserveTestSchema, sleep, smallAlbum, spawnWorker, waitFor, type WorkerProcess } from './fault-kit.js';

const RUNS = Number(process.env.SIGKILL_RUNS ?? 10);
const PHOTOS_PER_RUN = 4;
const SEED = Number(process.env.FAULT_SEED ?? randomInt(2 ** 31));
/** Only stops a hung run; nothing here asserts speed. */
const CEILING_MS = 5 * 60_000;

let engine: PooledFaceEngine;
let clean: Map<string, number>;
let pinecone: FakePineconeServer;
let dataDir: string;
let schema: string;
let user: string;
let db: DatabaseConnection;
let gateway: RunningGateway;
let client: AlbumsClient;
let env: Record<string, string>;

before(async () => {
  process.stderr.write(`[sigkill] seed ${SEED} (replay with FAULT_SEED=${SEED})\n`);
  engine = await startTestEngine();
  clean = await cleanFaceCounts(engine);
  pinecone = modelSetPinecone();
  const pineconeHost = await pinecone.start();
  dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-sigkill-'));
  // A throw-away schema: the test-database helper finds the role and makes the schema name.
  ({ schema, user } = await reserveTestSchema());
  env = {
    FACEREC_MODE: 'embedded',
    FACEREC_DATA_DIR: dataDir,
    FACEREC_BLOB_STORE: 'fs',
    FACEREC_QUEUE: 'table',
    FACEREC_EMBEDDED_WORKER: 'false',
    ...postgresPineconeEnv({ host: '127.0.0.1', port: 5432, user, database: 'test', schema }, pineconeHost),
    QUEUE_MAX_RECEIVES: '50',
    // A killed worker's photos come back after this; short keeps the test quick.
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: '2',
    QUEUE_WAIT_SECONDS: '1',
    FACEREC_THREADS: '1',
    LOG_LEVEL: 'warn',
    WORKER_PORT: '0',
  };
  gateway = await startGateway(loadGatewayConfig({ ...process.env, ...env, PORT: '0' }), { engine, notice: () => undefined });
  const key = gateway.initialKey;
  assert.ok(key, 'embedded mode creates the first key');
  client = new AlbumsClient(gateway.url, `${key.accessKeyId}:${key.secretAccessKey}`);
  db = await connect({ kind: 'postgres', host: '127.0.0.1', port: 5432, user, database: 'test', schema, poolSize: 2 });
});

after(async () => {
  await gateway?.close();
  if (db) {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.db);
    await db.close();
  }
  await pinecone?.stop();
  await engine?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});



test(`SIGKILL at random points, ${RUNS} runs: every photo indexed exactly once (seed ${SEED})`, async () => {
  const random = seededRandom(SEED);
  const workers: WorkerProcess[] = [];
  const probe = pineconeProbe(env.PINECONE_INDEX_HOST);
  let current = await spawnWorker(env);
  workers.push(current);
  /** The last measured time per photo; scales the random moment inside a photo. */
  let photoMs = 1000;
  let totalFaces = 0;
  const summary: string[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const album = await client.createAlbum(`sigkill run ${run}`);
      const sources = smallAlbum(`r${run}`, PHOTOS_PER_RUN, run);
      const uploadedAt = Date.now();
      await client.uploadFiles(album.albumId, sources);
      const afterPhotos = Math.floor(random() * PHOTOS_PER_RUN);
      const into = random();
      await waitFor(async () => (await indexedCount(db, album.albumId)) >= afterPhotos, `${afterPhotos} photos indexed`, CEILING_MS, 25);
      await sleep(into * photoMs);
      const atKill = await albumImages(db, album.albumId);
      current.child.kill('SIGKILL');
      assert.equal((await current.exited).signal, 'SIGKILL');
      const states = atKill.map((i) => i.status[0]).join('');
      photoMs = Math.max(200, (Date.now() - uploadedAt) / Math.max(1, afterPhotos + into));

      current = await spawnWorker(env);
      workers.push(current);
      await waitFor(async () => (await albumImages(db, album.albumId)).every((i) => i.status === 'indexed' || i.status === 'failed'), `run ${run} done`, CEILING_MS, 25);
      totalFaces += sources.reduce((n, s) => n + clean.get(s.file)!, 0);
      const images = await assertIndexedExactlyOnce(db, album.albumId, sources, clean, probe, totalFaces);
      const again = images.filter((i) => i.attempts > 1).length;
      summary.push(`run ${run}: killed after ${afterPhotos} indexed + ${into.toFixed(2)} photo (states at kill ${states}, q=queued p=processing i=indexed); ${again} photo(s) taken again`);
    }
    process.stderr.write(`[sigkill] seed ${SEED}\n${summary.map((s) => `  ${s}`).join('\n')}\n`);
    // The last worker stops gracefully.
    current.child.kill('SIGTERM');
    assert.deepEqual(await current.exited, { code: 0, signal: null });
  } finally {
    await killAll(workers);
  }
});
