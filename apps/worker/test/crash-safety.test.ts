/**
 * Crash safety, end to end: an album of 200 photos (the shared dev photos repeated under other
 * names) uploaded through the gateway's REST API, indexed by TWO worker processes (one engine
 * thread each), one of them killed with SIGKILL half-way. At the end every photo is indexed
 * exactly once: each photo's face count equals a clean analysis of its source photo, the face
 * rows have no duplicate (image, face index), and the vector index holds exactly those faces.
 *
 * Two stacks, configuration only: production (s3rver + local-aws-sqs + Postgres + Pinecone) and
 * the embedded one (files + Postgres table queue). Separate processes cannot share PGlite or the
 * in-memory local index, so both use real Postgres 127.0.0.1:5432 (a schema per test) and the
 * Pinecone stand-in for vectors.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, createRepositories, migrateUp, SecretBox, sql, START_POSTGRES_COMMAND, type DatabaseConnection } from '@facerec/db';
import type { PooledFaceEngine } from '@facerec/face';
import { startTestEngine } from '@facerec/face/testing';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@facerec/gateway';
import { createSqsClient, ensureSqsQueues, type FakePineconeServer } from '@facerec/storage';
import { startLocalSqs, startS3rver, TEST_AWS_CREDENTIALS, TEST_AWS_REGION, type AwsPeer } from '@facerec/storage/testing/aws-peers';
import { AlbumsClient, devPhotos, FACES_DEV, type Photo } from '../../gateway/test/albums-client.js';
import { modelSetPinecone, postgresPineconeEnv } from './fault-kit.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const WORKER_MAIN = path.join(REPO, 'apps/worker/src/main.ts');
const ALBUM_SIZE = 200;
/** Only stops a hung run; nothing here asserts speed. */
const CEILING_MS = 15 * 60_000;
const MAX_RECEIVES = 10;

interface Source {
  file: string;
  name: string;
}

/** 200 uploads cycling through the dev photos, each under its own name. */
function albumPhotos(): Source[] {
  const files = devPhotos();
  assert.ok(files.length >= 100, `expected the ~120 dev photos under ${FACES_DEV}, found ${files.length}`);
  return Array.from({ length: ALBUM_SIZE }, (_, i) => {
    const file = files[i % files.length];
    return { file, name: `copy${Math.floor(i / files.length)}-${path.relative(FACES_DEV, file).replaceAll('/', '_')}` };
  });
}

async function openPostgres(schema: string): Promise<{ db: DatabaseConnection; user: string }> {
  const failures: string[] = [];
  for (const user of ['postgres', 'root']) {
    const db = await connect({ kind: 'postgres', host: '127.0.0.1', port: 5432, user, database: 'test', schema, poolSize: 2 });
    try {
      await sql`select 1`.execute(db.db);
      return { db, user };
    } catch (error) {
      failures.push(`${user}: ${error instanceof Error ? error.message : String(error)}`);
      await db.close();
    }
  }
  throw new Error(`Postgres 127.0.0.1:5432/test is needed (${failures.join('; ')}). Start it with:\n  ${START_POSTGRES_COMMAND}`);
}

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: string[];
}

function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      if (line.includes('"worker ready"')) resolve({ child, exited, output });
    });
    void exited.then((how) => reject(new Error(`worker exited before it was ready (${JSON.stringify(how)}):\n${output.join('\n')}`)));
  });
}

interface Stack {
  env: Record<string, string>;
  schema: string;
  pinecone: FakePineconeServer;
  pineconeHost: string;
  /** Production mode: the key the test created; embedded mode: the gateway's initial key. */
  key?: string;
  cleanup: (() => Promise<void>)[];
}

async function baseStack(label: string): Promise<Stack> {
  const schema = `crash_${label}_${randomBytes(4).toString('hex')}`;
  const pinecone = modelSetPinecone();
  const pineconeHost = await pinecone.start();
  const { db, user } = await openPostgres(schema);
  await db.close();
  const env: Record<string, string> = {
    ...postgresPineconeEnv({ host: '127.0.0.1', port: 5432, user, database: 'test', schema }, pineconeHost),
    QUEUE_MAX_RECEIVES: String(MAX_RECEIVES),
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: '10',
    QUEUE_WAIT_SECONDS: '1',
    FACEREC_THREADS: '1',
    FACEREC_EMBEDDED_WORKER: 'false',
    LOG_LEVEL: 'warn',
    WORKER_PORT: '0',
    WORKER_SHUTDOWN_TIMEOUT_SECONDS: '60',
  };
  return { env, schema, pinecone, pineconeHost, cleanup: [() => pinecone.stop()] };
}

async function dropSchema(stack: Stack): Promise<void> {
  const { db } = await openPostgres(stack.schema);
  await sql`drop schema if exists ${sql.id(stack.schema)} cascade`.execute(db.db);
  await db.close();
}

/** Production configuration: S3 (s3rver), SQS (local-aws-sqs), Postgres migrated beforehand, a studio key made by the operator. */
async function productionStack(): Promise<Stack> {
  const stack = await baseStack('prod');
  const s3: AwsPeer = await startS3rver({ buckets: ['photos'] });
  const sqs: AwsPeer = await startLocalSqs();
  stack.cleanup.push(() => s3.stop(), () => sqs.stop());
  const client = createSqsClient({ endpoint: sqs.endpoint, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS });
  // local-aws-sqs counts a visibility heartbeat as a receive: maxReceives leaves room for that quirk.
  const queues = await ensureSqsQueues(client, `images-${randomBytes(4).toString('hex')}`, { maxReceives: MAX_RECEIVES, visibilityTimeoutSeconds: 10 });
  client.destroy();
  const serverKey = randomBytes(32).toString('hex');
  Object.assign(stack.env, {
    FACEREC_MODE: 'production',
    FACEREC_SERVER_KEY: serverKey,
    FACEREC_BLOB_STORE: 's3',
    S3_BUCKET: 'photos',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    FACEREC_QUEUE: 'sqs',
    SQS_QUEUE_URL: queues.queueUrl,
    SQS_DLQ_URL: queues.deadLetterQueueUrl,
    SQS_ENDPOINT: sqs.endpoint,
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_AWS_REGION,
  });
  const { db } = await openPostgres(stack.schema);
  try {
    await migrateUp(db.db);
    const repos = createRepositories(db.db, new SecretBox(serverKey));
    const tenant = await repos.tenants.create({ name: 'crash test studio' });
    const key = await repos.apiKeys.create(tenant.id, 'test');
    stack.key = `${key.accessKeyId}:${key.secretAccessKey}`;
  } finally {
    await db.close();
  }
  return stack;
}

/** Embedded configuration (files + table queue) on Postgres, since the workers are other processes. */
async function embeddedStack(): Promise<Stack> {
  const stack = await baseStack('emb');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-crash-'));
  stack.cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  Object.assign(stack.env, { FACEREC_MODE: 'embedded', FACEREC_DATA_DIR: dataDir, FACEREC_BLOB_STORE: 'fs', FACEREC_QUEUE: 'table' });
  return stack;
}

async function vectorCount(host: string): Promise<number> {
  const res = await fetch(`${host}/describe_index_stats`, { method: 'POST', headers: { 'content-type': 'application/json', 'api-key': 'test-key' }, body: '{}' });
  const stats = (await res.json()) as { namespaces?: Record<string, { vectorCount?: number; recordCount?: number }> };
  return Object.values(stats.namespaces ?? {}).reduce((n, ns) => n + (ns.vectorCount ?? ns.recordCount ?? 0), 0);
}

describe('crash safety: two worker processes, one killed mid-album', () => {
  const photos = albumPhotos();
  let engine: PooledFaceEngine;
  /** Faces a clean, single analysis finds in each distinct source photo. */
  const clean = new Map<string, number>();

  before(async () => {
    engine = await startTestEngine();
    for (const file of new Set(photos.map((p) => p.file))) {
      const analysis = await engine.analyze(readFileSync(file), { mode: 'album', embed: true, attributes: false });
      clean.set(file, analysis.faces.length);
    }
  });

  after(async () => {
    await engine?.close();
  });

  for (const [label, open] of [['production stack: S3 + SQS + Postgres + Pinecone', productionStack], ['embedded stack: files + table queue (on Postgres)', embeddedStack]] as const) {
    test(label, async () => {
      const stack = await open();
      let gateway: RunningGateway | undefined;
      const workers: WorkerProcess[] = [];
      try {
        gateway = await startGateway(loadGatewayConfig({ ...process.env, ...stack.env, PORT: '0' }), { engine, notice: () => undefined });
        const key = stack.key ?? (gateway.initialKey ? `${gateway.initialKey.accessKeyId}:${gateway.initialKey.secretAccessKey}` : undefined);
        assert.ok(key, 'a studio key');
        const client = new AlbumsClient(gateway.url, key);
        workers.push(await startWorkerProcess(stack.env), await startWorkerProcess(stack.env));
        const [victim, survivor] = workers;
        const album = await client.createAlbum(`crash ${label}`);
        const accepted = await client.uploadFiles(album.albumId, photos);
        assert.equal(accepted.length, ALBUM_SIZE);

        let killedAt: number | undefined;
        const final = await client.waitDone(album.albumId, CEILING_MS, (p) => {
          if (killedAt === undefined && p.indexed >= ALBUM_SIZE * 0.3) {
            killedAt = p.indexed;
            victim.child.kill('SIGKILL');
          }
        });
        assert.ok(killedAt !== undefined && killedAt < ALBUM_SIZE, 'the victim was killed before the album was done');
        assert.equal((await victim.exited).signal, 'SIGKILL');

        const expectedFaces = photos.reduce((n, p) => n + clean.get(p.file)!, 0);
        assert.deepEqual({ total: final.total, indexed: final.indexed, failed: final.failed }, { total: ALBUM_SIZE, indexed: ALBUM_SIZE, failed: 0 });
        assert.equal(final.faces, expectedFaces, 'face count equals a clean run');

        const stored: Photo[] = await client.allPhotos(album.albumId);
        const byName = new Map(photos.map((p) => [p.name, p.file]));
        assert.equal(stored.length, ALBUM_SIZE, 'no photo lost');
        for (const photo of stored) assert.equal(photo.faceCount, clean.get(byName.get(photo.name!)!), `${photo.name} faces`);

        const { db } = await openPostgres(stack.schema);
        try {
          const rows = await sql<{ n: string; dup: string }>`
            select count(*)::text as n,
                   (select count(*) from (select 1 from faces where album_image_id is not null group by album_image_id, face_index having count(*) > 1) d)::text as dup
            from faces`.execute(db.db);
          assert.equal(Number(rows.rows[0].n), expectedFaces, 'face rows');
          assert.equal(Number(rows.rows[0].dup), 0, 'no (image, face index) twice');
        } finally {
          await db.close();
        }
        assert.equal(await vectorCount(stack.pineconeHost), expectedFaces, 'vectors in the index');
        const retried = stored.filter((p) => p.attempts > 1).length;
        process.stderr.write(`[crash ${label}] killed at ${killedAt}/${ALBUM_SIZE} indexed; ${retried} photos were taken again after the kill; ${expectedFaces} faces\n`);

        const metrics = await (await fetch(`${survivorUrl(survivor)}/metrics`)).text();
        assert.match(metrics, /^facerec_worker_photos_total\{outcome="indexed"\} [1-9]/m);
        // Graceful stop: SIGTERM lets the survivor finish and exit 0.
        survivor.child.kill('SIGTERM');
        assert.deepEqual(await survivor.exited, { code: 0, signal: null });
      } finally {
        for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
        await Promise.all(workers.map((w) => w.exited));
        await gateway?.close();
        await dropSchema(stack);
        for (const c of stack.cleanup.reverse()) await c();
      }
    });
  }
});

function survivorUrl(w: WorkerProcess): string {
  const ready = w.output.find((l) => l.includes('"worker ready"'));
  return (JSON.parse(ready!) as { url: string }).url;
}
