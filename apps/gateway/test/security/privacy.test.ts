/**
 * Security promise 6: privacy.
 *  - The storefront selfie is never written anywhere: while guests search, the data dir (database,
 *    vector snapshots, blob store) and the process's temp dir are watched, and afterwards no file
 *    in either (nor any log line) holds any run of the selfie's bytes. The same holds for the
 *    studio's album search and the REST and AWS searches (multer keeps uploads in memory).
 *  - Deleting a face, a user, a collection and an album removes its rows (the Postgres tables),
 *    its vectors (read back through the vector index adapter) and its blobs (the blob store's
 *    files). What was not deleted is still found, so each check can see what it looks for.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as R from '@aws-sdk/client-rekognition';
import { connect, decodeEmbedding, sql, type CollectionRecord } from '@facerec/db';
import { LocalVectorIndex, vectorCollectionKey } from '@facerec/storage';
import { loadGatewayConfig } from '../../src/index.js';
import { AlbumsClient, FACES_DEV, requireDevPhotos } from '../albums-client.js';
import { imageForm, restCall, startSecurityStack, type SecurityStack } from './stack.js';

requireDevPhotos();
const photo = (relative: string): Buffer => readFileSync(path.join(FACES_DEV, relative));
const CEILING_MS = 5 * 60_000;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Byte runs that only this selfie has: windows from across the file and a unique trailer. */
function fingerprints(selfie: Buffer, marker: Buffer): Buffer[] {
  const runs = [marker];
  for (const at of [0.2, 0.4, 0.6, 0.8]) {
    const start = Math.floor(selfie.length * at);
    runs.push(selfie.subarray(start, start + 48));
  }
  return runs;
}

describe('privacy: the selfie is never stored; deletes reach every store', () => {
  let stack: SecurityStack;
  let watchedTmp: string;
  const savedTmp = process.env.TMPDIR;
  let albums: AlbumsClient;
  let kept: { albumId: string; shareToken: string };

  before(async () => {
    stack = await startSecurityStack();
    // From here on os.tmpdir() (multer's disk default, sharp, anything) points at a directory we watch.
    watchedTmp = await mkdtemp(path.join(tmpdir(), 'facerec-privacy-tmp-'));
    process.env.TMPDIR = watchedTmp;
    albums = new AlbumsClient(stack.url, `${stack.a.accessKeyId}:${stack.a.secretAccessKey}`);
    const created = await albums.createAlbum('Kept');
    kept = { albumId: created.albumId, shareToken: created.shareToken };
    await albums.upload(kept.albumId, [{ name: 'group.jpg', bytes: photo('_groups/obama_and_biden.jpg') }]);
    await albums.call('PATCH', `/albums/${kept.albumId}`, { selfieSearch: true });
    assert.equal((await albums.waitDone(kept.albumId, CEILING_MS)).indexed, 1);
  });

  after(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await stack?.close();
    if (watchedTmp) await rm(watchedTmp, { recursive: true, force: true });
  });

  test('searching with a selfie writes it nowhere: not the data dir, the blob store, the temp dir or the logs', async () => {
    const marker = Buffer.from(`facerec-privacy-${randomUUID()}`);
    // Bytes after a JPEG's end marker are ignored by decoders: the selfie decodes as usual.
    const selfie = Buffer.concat([photo('barack_obama/3.jpg'), marker]);
    const runs = fingerprints(selfie, marker);
    const events: string[] = [];
    const watchers: FSWatcher[] = [stack.dataDir, watchedTmp].map((dir) =>
      watch(dir, { recursive: true }, (event, name) => events.push(`${path.relative(stack.dataDir, path.join(dir, String(name)))} ${event}`)),
    );
    try {
      for (let i = 0; i < 3; i++) {
        const found = await restCall(stack.url, undefined, 'post', `/api/v1/public/albums/${kept.shareToken}/search`, imageForm(['file'], selfie));
        assert.equal(found.status, 200, JSON.stringify(found.body));
        assert.equal((found.body as { matches: unknown[] }).matches.length, 1, 'the guest finds the group photo');
      }
      const studio = await restCall(stack.url, stack.a.authorization, 'post', `/api/v1/albums/${kept.albumId}/search`, imageForm(['file'], selfie));
      assert.equal(studio.status, 200);
      const collectionId = `album-${kept.albumId}`;
      const rest = await restCall(stack.url, stack.a.authorization, 'post', `/api/v1/collections/${collectionId}/search-faces`, imageForm(['file'], selfie));
      assert.equal(rest.status, 200);
      const aws = await stack.a.sdk.send(new R.SearchFacesByImageCommand({ CollectionId: collectionId, Image: { Bytes: selfie } }));
      assert.equal(aws.FaceMatches?.length, 1);
      // Let pending fs notifications arrive (a flush of earlier work may show; its content is checked below).
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      for (const w of watchers) w.close();
    }
    const stored = events.filter((e) => e.startsWith('blobs') || e.startsWith('..'));
    assert.deepEqual(stored, [], 'nothing was created or changed in the blob store or the temp dir');
    for (const file of [...(await listFiles(stack.dataDir)), ...(await listFiles(watchedTmp))]) {
      const bytes = await readFile(file);
      assert.ok(!runs.some((run) => bytes.includes(run)), `${file} holds bytes of the selfie`);
    }
    const logs = stack.logs.text();
    assert.ok(!runs.some((run) => logs.includes(run.toString('base64')) || logs.includes(run.toString('latin1'))), 'no selfie bytes in the logs');
  });

  test('deleting a face, a user, a collection and an album removes rows, vectors and blobs', async () => {
    const A = stack.a.sdk;
    const tenantId = stack.a.tenantId;
    await A.send(new R.CreateCollectionCommand({ CollectionId: 'keep' }));
    const index = async (collectionId: string, file: string) => (await A.send(new R.IndexFacesCommand({ CollectionId: collectionId, Image: { Bytes: photo(file) }, MaxFaces: 1 }))).FaceRecords![0].Face!.FaceId!;
    const k1 = await index('keep', 'barack_obama/1.jpg');
    const k2 = await index('keep', 'barack_obama/2.jpg');
    await A.send(new R.CreateUserCommand({ CollectionId: 'keep', UserId: 'gone' }));
    await A.send(new R.AssociateFacesCommand({ CollectionId: 'keep', UserId: 'gone', FaceIds: [k1] }));
    await A.send(new R.CreateCollectionCommand({ CollectionId: 'doomed' }));
    const d1 = await index('doomed', 'angelina_jolie/1.jpg');
    const doomed = await albums.createAlbum('Doomed');
    await albums.upload(doomed.albumId, [{ name: 'two.jpg', bytes: photo('_groups/two_people.jpg') }, { name: 'couple.jpg', bytes: photo('_groups/deepface_couple.jpg') }]);
    assert.equal((await albums.waitDone(doomed.albumId, CEILING_MS)).indexed, 2);
    const doomedPhotos = await albums.allPhotos(doomed.albumId);
    const doomedFaces: string[] = [];
    for (const p of doomedPhotos) doomedFaces.push(...(await albums.call<{ faces: { faceId: string }[] }>('GET', `/albums/${doomed.albumId}/photos/${p.imageId}/faces`)).faces.map((f) => f.faceId));
    assert.ok(doomedFaces.length >= 3, 'the doomed album has faces');
    assert.equal((await restCall(stack.url, stack.a.authorization, 'get', `/api/v1/albums/${doomed.albumId}/photos/${doomedPhotos[0].imageId}/thumbnail`)).status, 200);
    const keptPhoto = (await albums.allPhotos(kept.albumId))[0];
    const keptFaces = (await albums.call<{ faces: { faceId: string }[] }>('GET', `/albums/${kept.albumId}/photos/${keptPhoto.imageId}/faces`)).faces.map((f) => f.faceId).sort();
    assert.ok(keptFaces.length > 0);
    const blobDir = (albumId: string) => path.join(stack.dataDir, 'blobs', 'albums', tenantId, albumId);
    assert.equal((await listFiles(blobDir(doomed.albumId))).length, 2, 'the doomed album\'s photos are in the blob store');

    const record = (collectionId: string): Promise<CollectionRecord> => stack.gateway.repos.collections.get(tenantId, collectionId);
    const key = (c: CollectionRecord) => vectorCollectionKey({ tenantId, collectionPk: c.id, modelVersion: c.faceModelVersion });
    const keys = { keep: key(await record('keep')), doomed: key(await record('doomed')), doomedAlbum: key(await record(`album-${doomed.albumId}`)), keptAlbum: key(await record(`album-${kept.albumId}`)) };
    const pks = { doomed: (await record('doomed')).id, doomedAlbum: (await record(`album-${doomed.albumId}`)).id };

    // The deletes, through the public APIs.
    assert.deepEqual((await A.send(new R.DeleteFacesCommand({ CollectionId: 'keep', FaceIds: [k2] }))).DeletedFaces, [k2]);
    await A.send(new R.DeleteUserCommand({ CollectionId: 'keep', UserId: 'gone' }));
    await A.send(new R.DeleteCollectionCommand({ CollectionId: 'doomed' }));
    assert.equal((await restCall(stack.url, stack.a.authorization, 'delete', `/api/v1/albums/${doomed.albumId}`)).status, 204);
    assert.equal((await restCall(stack.url, stack.a.authorization, 'get', `/api/v1/albums/${doomed.albumId}/photos/${doomedPhotos[0].imageId}/thumbnail`)).status, 404, 'no cached thumbnail survives');

    // Blob store: the album's files are gone, the kept album's photo is there; no leftover temp files.
    assert.deepEqual(await listFiles(blobDir(doomed.albumId)), []);
    assert.equal((await listFiles(blobDir(kept.albumId))).length, 1);
    const blobFiles = await listFiles(path.join(stack.dataDir, 'blobs'));
    assert.ok(blobFiles.some((f) => f.includes('.meta')), 'the store\'s metadata sidecars are looked at too');
    assert.deepEqual(blobFiles.filter((f) => !f.includes(kept.albumId)), [], 'only the kept album\'s photo (and its metadata) is left');

    // Close the gateway (the vector index writes its snapshots), then look in the stores directly.
    await stack.gateway.close();
    const vectors = new LocalVectorIndex({ dataDir: path.join(stack.dataDir, 'vectors') });
    const ids = async (k: string) => {
      const out: string[] = [];
      for await (const page of vectors.listIds(k)) out.push(...page);
      return out.sort();
    };
    assert.deepEqual(await ids(keys.keep), [k1], 'the deleted face\'s vector is gone, the other stays');
    assert.deepEqual(await ids(keys.doomed), []);
    assert.deepEqual(await ids(keys.doomedAlbum), []);
    assert.deepEqual(await ids(keys.keptAlbum), keptFaces, 'the kept album\'s faces are still indexed');

    const db = await connect(loadGatewayConfig({ FACEREC_DATA_DIR: stack.dataDir }).database);
    try {
      const rows = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db.db)).rows;
      const faceIds = (await rows(sql<{ id: string }>`select id from faces`)).map((r) => r.id);
      assert.ok(faceIds.includes(k1), 'the kept face\'s row is there');
      for (const gone of [k2, d1, ...doomedFaces]) assert.ok(!faceIds.includes(gone), `face ${gone} row removed`);
      assert.deepEqual(await rows(sql`select id from faces where collection_pk in (${pks.doomed}, ${pks.doomedAlbum})`), []);
      assert.deepEqual(await rows(sql`select user_id from users where user_id = 'gone'`), [], 'the user row is removed');
      const k1Row = (await rows(sql<{ user_id: string | null; embedding: Buffer }>`select user_id, embedding from faces where id = ${k1}`))[0];
      assert.equal(k1Row.user_id, null, 'its face is no longer associated');
      const [match] = await vectors.query(keys.keep, decodeEmbedding(new Uint8Array(k1Row.embedding)), { topK: 1 });
      assert.deepEqual([match.id, match.metadata.userId], [k1, undefined], 'and its vector no longer names the user');
      const collections = (await rows(sql<{ collection_id: string }>`select collection_id from collections where tenant_id = ${tenantId}`)).map((r) => r.collection_id).sort();
      assert.deepEqual(collections, [`album-${kept.albumId}`, 'keep'].sort());
      assert.deepEqual(await rows(sql`select id from albums where id = ${doomed.albumId}`), []);
      assert.deepEqual(await rows(sql`select id from images where album_id = ${doomed.albumId}`), []);
      assert.equal((await rows(sql`select id from images where album_id = ${kept.albumId}`)).length, 1);
      assert.deepEqual(await rows(sql`select id from image_queue where body::text like ${`%${doomed.albumId}%`}`), [], 'no queued work for the deleted album');
    } finally {
      await db.close();
      await vectors.close();
    }
  });
});
