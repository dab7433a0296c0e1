/**
 * What the album fault tests share: a worker child process (the real entry, apps/worker/src/main.ts),
 * a handful of small dev photos with their face counts from one clean analysis, a seeded random
 * source, and the "exactly once" check that reads every store: image states, face rows per image,
 * no duplicate (image, face index), and the vector index holding exactly the face rows' ids.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openPostgresTestDatabase, sql, type DatabaseConnection } from '@facerec/db';
import { embeddingDim, resolveModelSet, type FaceEngine } from '@facerec/face';
import { FakePineconeServer } from '@facerec/storage';
import { FACES_DEV, requireDevPhotos } from '../../gateway/test/albums-client.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const WORKER_MAIN = path.join(REPO, 'apps/worker/src/main.ts');

/** Small photos (150 px crops up to a 594×383 group of five): fast to analyse, several faces in some. */
export const SMALL_PHOTOS = ['bbt_amy/1.jpg', '_groups/bbt3.jpg', 'bbt_leonard/4.jpg', 'deepface_unnamed_03/2.jpg', 'bbt_penny/5.jpg', 'kit_harington/2.jpg'];

export interface Source {
  /** Upload name, unique in the test. */
  name: string;
  file: string;
}

/** `count` uploads cycling through SMALL_PHOTOS, named `<prefix>-<i>-<photo>`. */
export function smallAlbum(prefix: string, count: number, offset = 0): Source[] {
  requireDevPhotos();
  return Array.from({ length: count }, (_, i) => {
    const rel = SMALL_PHOTOS[(i + offset) % SMALL_PHOTOS.length];
    return { name: `${prefix}-${i}-${rel.replaceAll('/', '_')}`, file: path.join(FACES_DEV, rel) };
  });
}

/** The Pinecone stand-in, sized for the model set the tests run (FACEREC_MODEL_SET). */
export function modelSetPinecone(): FakePineconeServer {
  return new FakePineconeServer({ dimension: embeddingDim(resolveModelSet(process.env.FACEREC_MODEL_SET)) });
}

/**
 * A throw-away schema on the shared Postgres (127.0.0.1:5432/test) and the role trust auth lets in,
 * named and found by the test-database helper; the caller's processes create their tables in it.
 */
export async function reserveTestSchema(): Promise<{ schema: string; user: string }> {
  const probe = await openPostgresTestDatabase({ migrate: false });
  try {
    const { rows } = await sql<{ s: string; u: string }>`select current_schema() as s, current_user as u`.execute(probe.db);
    return { schema: rows[0].s, user: rows[0].u };
  } finally {
    await probe.close();
  }
}

/** The settings that point a gateway or worker at a Postgres schema and the Pinecone stand-in. */
export function postgresPineconeEnv(pg: { host: string; port: number; user: string; database: string; schema: string }, pineconeHost: string): Record<string, string> {
  return {
    POSTGRES_HOST: pg.host,
    POSTGRES_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_DB: pg.database,
    POSTGRES_SCHEMA: pg.schema,
    VECTOR_INDEX: 'pinecone',
    PINECONE_API_KEY: 'test-key',
    PINECONE_INDEX_HOST: pineconeHost,
  };
}

/** Faces one clean analysis finds in each small photo (album mode, as the worker runs it). */
export async function cleanFaceCounts(engine: FaceEngine): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const rel of SMALL_PHOTOS) {
    const file = path.join(FACES_DEV, rel);
    const analysis = await engine.analyze(readFileSync(file), { mode: 'album', embed: true, attributes: false });
    counts.set(file, analysis.faces.length);
  }
  return counts;
}


export interface WorkerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: string[];
}

/** Spawns the worker entry with `env` over this process's environment; resolves on its "worker ready" line. */
export function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (line.includes('"worker ready"')) resolve({ child, exited, output, url: (JSON.parse(line) as { url: string }).url });
    });
    void exited.then((how) => reject(new Error(`worker exited before it was ready (${JSON.stringify(how)}):\n${output.join('\n')}`)));
  });
}

/** SIGKILLs what is still running and waits for the exits. */
export async function killAll(workers: readonly WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}

export interface ImageState {
  id: string;
  name: string;
  status: string;
  faceCount: number | null;
  attempts: number;
  faceRows: number;
}

export async function albumImages(db: DatabaseConnection, albumId: string): Promise<ImageState[]> {
  const rows = await sql<{ id: string; name: string; status: string; face_count: number | null; attempts: number; face_rows: string }>`
    select i.id, i.original_name as name, i.status, i.face_count, i.attempts,
           (select count(*) from faces f where f.album_image_id = i.id)::text as face_rows
    from images i where i.album_id = ${albumId} order by i.seq`.execute(db.db);
  return rows.rows.map((r) => ({ id: r.id, name: r.name, status: r.status, faceCount: r.face_count, attempts: r.attempts, faceRows: Number(r.face_rows) }));
}

/** Face ids of the album's images, from Postgres (the source of truth). */
export async function albumFaceIds(db: DatabaseConnection, albumId: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`select f.id from faces f join images i on i.id = f.album_image_id where i.album_id = ${albumId}`.execute(db.db);
  return rows.rows.map((r) => r.id);
}

export async function duplicateFaceSources(db: DatabaseConnection): Promise<number> {
  const rows = await sql<{ n: string }>`
    select count(*)::text as n from (select 1 from faces where album_image_id is not null group by album_image_id, face_index having count(*) > 1) d`.execute(db.db);
  return Number(rows.rows[0].n);
}

/** What the vector index holds, as the tests can see it. */
export interface VectorProbe {
  /** How many vectors the whole index holds. */
  total(): Promise<number>;
  /** Which of `ids` the index holds. */
  present(ids: readonly string[]): Promise<Set<string>>;
}

/** The Pinecone stand-in, read over its REST API (describe_index_stats, vectors/fetch). */
export function pineconeProbe(host: string): VectorProbe {
  const headers = { 'content-type': 'application/json', 'api-key': 'test-key' };
  const namespaces = async (): Promise<Record<string, { vectorCount?: number }>> => {
    const res = await fetch(`${host}/describe_index_stats`, { method: 'POST', headers, body: '{}' });
    return ((await res.json()) as { namespaces?: Record<string, { vectorCount?: number }> }).namespaces ?? {};
  };
  return {
    total: async () => Object.values(await namespaces()).reduce((n, ns) => n + (ns.vectorCount ?? 0), 0),
    present: async (ids) => {
      const found = new Set<string>();
      for (const namespace of Object.keys(await namespaces())) {
        for (let i = 0; i < ids.length; i += 100) {
          const q = new URLSearchParams({ namespace });
          for (const id of ids.slice(i, i + 100)) q.append('ids', id);
          const res = await fetch(`${host}/vectors/fetch?${q}`, { headers });
          for (const id of Object.keys(((await res.json()) as { vectors: Record<string, unknown> }).vectors)) found.add(id);
        }
      }
      return found;
    },
  };
}

/**
 * Every photo of the album indexed exactly once: status indexed, its face count and its face rows
 * equal a clean analysis of its source, no (image, face index) twice, and every face row's vector
 * in the index. `expectVectorTotal` (when given) also pins the index's total, so no stray vector.
 */
export async function assertIndexedExactlyOnce(
  db: DatabaseConnection,
  albumId: string,
  sources: readonly Source[],
  clean: ReadonlyMap<string, number>,
  vectors: VectorProbe,
  expectVectorTotal?: number,
): Promise<ImageState[]> {
  const images = await albumImages(db, albumId);
  const fileOf = new Map(sources.map((s) => [s.name, s.file]));
  assert.equal(images.length, sources.length, 'one image row per upload: none lost, none doubled');
  for (const image of images) {
    const expected = clean.get(fileOf.get(image.name)!);
    assert.deepEqual({ name: image.name, status: image.status, faceCount: image.faceCount, faceRows: image.faceRows }, { name: image.name, status: 'indexed', faceCount: expected, faceRows: expected });
  }
  assert.equal(await duplicateFaceSources(db), 0, 'no (image, face index) twice');
  const ids = await albumFaceIds(db, albumId);
  const present = await vectors.present(ids);
  assert.deepEqual(ids.filter((id) => !present.has(id)), [], 'every face row has its vector');
  if (expectVectorTotal !== undefined) assert.equal(await vectors.total(), expectVectorTotal, 'the index holds exactly the face rows');
  return images;
}

/**
 * Polls `check` until it holds (a check that throws, e.g. while Postgres is down, counts as "not
 * yet"); past `ceilingMs` it fails — a ceiling for a stuck run, not a speed check.
 */
export async function waitFor(check: () => Promise<boolean>, what: string, ceilingMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + ceilingMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function indexedCount(db: DatabaseConnection, albumId: string): Promise<number> {
  return (await albumImages(db, albumId)).filter((i) => i.status === 'indexed').length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A TCP relay in front of a peer (S3, SQS, Pinecone stand-ins) that a test can take down and bring
 * back on the same port. Down: the listener is closed and open connections are cut, so clients get
 * ECONNREFUSED / ECONNRESET exactly as if the peer process had stopped, while the peer keeps its
 * state (local-aws-sqs holds its queues in memory: a real restart would lose every message, which a
 * real SQS outage does not).
 */
export class OutageProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  /** Connections accepted while up, for the report. */
  connections = 0;

  constructor(private readonly target: URL) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<string> {
    const server = createServer((client) => {
      this.connections++;
      const upstream = connectTcp(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.endpoint;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
