/**
 * The two stores of a face, Postgres (rows) and the vector index, written one after the other by
 * ingestion: a failure between the two writes must not leave them disagreeing.
 *  - the vector write fails after the Postgres write: the photo is retried, the retry rewrites the
 *    same face rows (keyed by image and face index) and their vectors;
 *  - a Postgres write fails after the vector write (marking the photo indexed): the retry upserts
 *    the same vector ids again, no duplicates;
 *  - the index stays down for every try of a photo: the photo ends `failed`, its rows have no
 *    vectors, and the drift check (what `facerec check` runs) reports exactly those and repairs them.
 * Real stores (PGlite, the local index, files, the table queue) and the real engine; the faults are
 * wrappers that throw at the chosen call, and record what the other store held at that moment.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createRepositories, ImageRepository, openPGliteTestDatabase, SecretBox, sql, type ImageRecord, type Repositories, type TestDatabase } from '@facerec/db';
import type { PooledFaceEngine } from '@facerec/face';
import { startTestEngine } from '@facerec/face/testing';
import { SimilarityScale } from '@facerec/rekognition';
import { checkCollectionDrift, FsBlobStore, LocalVectorIndex, PgTableQueue, VectorIndexError, vectorCollectionKey, type QueryOptions, type VectorIndex, type VectorItem, type VectorMatch } from '@facerec/storage';
import { AlbumService } from './album-service.js';
import { IngestWorker } from './worker.js';

const FACES_DEV = '/work/shared/faces/dev';
const PHOTOS = ['_groups/bbt3.jpg', 'bbt_amy/1.jpg', 'deepface_unnamed_03/2.jpg'].map((p) => path.join(FACES_DEV, p));
const MAX_RECEIVES = 3;

/** Delegates to a real index; `failUpsert` decides per call whether the write throws instead. */
class FaultyIndex implements VectorIndex {
  failUpsert: (items: readonly VectorItem[]) => boolean = () => false;
  onFault: (items: readonly VectorItem[]) => Promise<void> = async () => undefined;

  constructor(private readonly inner: VectorIndex) {}

  async upsert(key: string, items: readonly VectorItem[]): Promise<void> {
    if (this.failUpsert(items)) {
      await this.onFault(items);
      throw new VectorIndexError('injected: vector index write failed');
    }
    return this.inner.upsert(key, items);
  }
  delete(key: string, ids: readonly string[]): Promise<void> {
    return this.inner.delete(key, ids);
  }
  deleteByImage(key: string, imageId: string): Promise<void> {
    return this.inner.deleteByImage(key, imageId);
  }
  deleteCollection(key: string): Promise<void> {
    return this.inner.deleteCollection(key);
  }
  query(key: string, vector: Float32Array, options: QueryOptions): Promise<VectorMatch[]> {
    return this.inner.query(key, vector, options);
  }
  count(key: string): Promise<number> {
    return this.inner.count(key);
  }
  listIds(key: string): AsyncIterable<string[]> {
    return this.inner.listIds(key);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The images repository with a markIndexed that can fail (the Postgres write after the vector write). */
class FaultyImages extends ImageRepository {
  failMarkIndexed: (imageId: string) => boolean = () => false;
  onFault: (imageId: string) => Promise<void> = async () => undefined;

  override async markIndexed(tenantId: string, imageId: string, faceCount: number): Promise<ImageRecord> {
    if (this.failMarkIndexed(imageId)) {
      await this.onFault(imageId);
      throw Object.assign(new Error('injected: terminating connection due to administrator command'), { code: '57P01' });
    }
    return super.markIndexed(tenantId, imageId, faceCount);
  }
}

let database: TestDatabase;
let engine: PooledFaceEngine;
let blobDir: string;
let repos: Repositories;
let images: FaultyImages;
let vectors: FaultyIndex;
let realIndex: LocalVectorIndex;
let queue: PgTableQueue;
let albums: AlbumService;
let tenantId: string;
const clean = new Map<string, number>();

before(async () => {
  database = await openPGliteTestDatabase();
  engine = await startTestEngine();
  for (const file of PHOTOS) clean.set(file, (await engine.analyze(readFileSync(file), { mode: 'album', embed: true, attributes: false })).faces.length);
  blobDir = await mkdtemp(path.join(tmpdir(), 'facerec-ingest-faults-'));
  images = new FaultyImages(database.db);
  repos = { ...createRepositories(database.db, new SecretBox(SecretBox.generateKey())), images };
  realIndex = new LocalVectorIndex();
  vectors = new FaultyIndex(realIndex);
  queue = new PgTableQueue({ db: database.db, maxReceives: MAX_RECEIVES });
  const blobs = new FsBlobStore({ root: blobDir });
  albums = new AlbumService({ repos, blobs, queue, vectors, engine, scale: SimilarityScale.forModelVersion(engine.modelVersion) });
  tenantId = (await repos.tenants.create({ name: 'faults' })).id;
});

after(async () => {
  await engine?.close();
  await database?.dispose();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

interface Run {
  albumId: string;
  collectionKey: string;
  scope: { id: string; tenantId: string };
  /** image id → source file */
  files: Map<string, string>;
}

async function uploadAlbum(name: string): Promise<Run> {
  const album = await albums.create(tenantId, name);
  const files = new Map<string, string>();
  for (const file of PHOTOS) {
    const image = await albums.upload(tenantId, album.albumId, { name: path.basename(file), contentType: 'image/jpeg', stream: Readable.from(readFileSync(file)) });
    files.set(image.imageId, file);
  }
  const record = await repos.albums.get(tenantId, album.albumId);
  const collection = await repos.collections.getByPk(tenantId, record.collectionPk);
  return {
    albumId: album.albumId,
    files,
    scope: { id: collection.id, tenantId },
    collectionKey: vectorCollectionKey({ tenantId, collectionPk: collection.id, modelVersion: collection.faceModelVersion }),
  };
}

/**
 * Runs a worker until every photo of the album is indexed or failed. No long poll (waitSeconds 0):
 * this also covers the worker's pause after an empty receive (without it the loop starved PGlite
 * and this test never finished).
 */
async function ingest(run: Run): Promise<ImageRecord[]> {
  const worker = new IngestWorker({ repos, blobs: new FsBlobStore({ root: blobDir }), vectors, engine, queue }, { concurrency: 1, prefetch: 0, visibilityTimeoutSeconds: 1, waitSeconds: 0, maxReceives: MAX_RECEIVES, backoff: { baseMs: 10, maxMs: 50 } });
  worker.start();
  try {
    for (;;) {
      const listed = (await repos.images.list(tenantId, run.albumId)).items;
      if (listed.every((i) => i.status === 'indexed' || i.status === 'failed')) return listed;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await worker.stop();
  }
}

async function faceRows(imageId: string): Promise<number> {
  const rows = await sql<{ n: string }>`select count(*)::text as n from faces where album_image_id = ${imageId}`.execute(database.db);
  return Number(rows.rows[0].n);
}

async function indexIds(key: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const page of realIndex.listIds(key)) for (const id of page) ids.add(id);
  return ids;
}

/** Every photo indexed once: face rows as a clean analysis, and the index holding exactly those faces. */
async function assertStoresAgree(run: Run, listed: ImageRecord[]): Promise<void> {
  for (const image of listed) {
    const expected = clean.get(run.files.get(image.id)!);
    assert.deepEqual({ status: image.status, faceCount: image.faceCount, rows: await faceRows(image.id) }, { status: 'indexed', faceCount: expected, rows: expected });
  }
  const drift = await checkCollectionDrift(realIndex, repos.faces, run.scope, engine.modelVersion);
  assert.deepEqual({ missing: drift.missing, orphans: drift.orphans }, { missing: [], orphans: [] });
  assert.equal(drift.vectors, [...run.files.values()].reduce((n, f) => n + clean.get(f)!, 0));
}

test('the vector write fails after the Postgres write: the photo is retried and both stores agree', async () => {
  const run = await uploadAlbum('vector write fails');
  const target = [...run.files.keys()][0];
  let faults = 0;
  let rowsAtFault = -1;
  vectors.failUpsert = (items) => faults === 0 && items.some((i) => i.metadata.imageId === target);
  vectors.onFault = async () => {
    faults++;
    rowsAtFault = await faceRows(target);
  };
  try {
    const listed = await ingest(run);
    assert.equal(faults, 1);
    assert.equal(rowsAtFault, clean.get(run.files.get(target)!), 'the face rows were written when the index write failed');
    assert.equal(listed.find((i) => i.id === target)!.attempts, 2, 'the photo was taken again');
    await assertStoresAgree(run, listed);
  } finally {
    vectors.failUpsert = () => false;
  }
});

test('a Postgres write fails after the vector write: the photo is retried, the same vectors rewritten, no duplicates', async () => {
  const run = await uploadAlbum('postgres write fails');
  const target = [...run.files.keys()][0];
  let faults = 0;
  let vectorsAtFault = -1;
  images.failMarkIndexed = (imageId) => faults === 0 && imageId === target;
  images.onFault = async () => {
    faults++;
    vectorsAtFault = (await indexIds(run.collectionKey)).size;
  };
  try {
    const listed = await ingest(run);
    assert.equal(faults, 1);
    assert.ok(vectorsAtFault >= clean.get(run.files.get(target)!)!, 'the vectors were written when the Postgres write failed');
    assert.equal(listed.find((i) => i.id === target)!.attempts, 2);
    await assertStoresAgree(run, listed);
  } finally {
    images.failMarkIndexed = () => false;
  }
});

test('the index is down for every try of a photo: it ends failed, and the drift check reports and repairs its faces', async () => {
  const run = await uploadAlbum('vector index down for one photo');
  // The group photo: several faces.
  const target = [...run.files.entries()].find(([, file]) => file.endsWith('bbt3.jpg'))![0];
  vectors.failUpsert = (items) => items.some((i) => i.metadata.imageId === target);
  let listed: ImageRecord[];
  try {
    listed = await ingest(run);
  } finally {
    vectors.failUpsert = () => false;
  }
  const failed = listed.find((i) => i.id === target)!;
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /vector index write failed/);
  assert.equal(listed.filter((i) => i.status === 'indexed').length, PHOTOS.length - 1);

  const faces = clean.get(run.files.get(target)!)!;
  const found = await checkCollectionDrift(realIndex, repos.faces, run.scope, engine.modelVersion);
  assert.equal(found.missing.length, faces, 'the failed photo\'s face rows have no vectors');
  assert.deepEqual(found.orphans, []);
  const repaired = await checkCollectionDrift(realIndex, repos.faces, run.scope, engine.modelVersion, { repair: true });
  assert.deepEqual(repaired.repaired, { upserted: faces, deleted: 0 });
  const agreed = await checkCollectionDrift(realIndex, repos.faces, run.scope, engine.modelVersion);
  assert.deepEqual({ missing: agreed.missing, orphans: agreed.orphans, vectors: agreed.vectors }, { missing: [], orphans: [], vectors: agreed.rows });
});
