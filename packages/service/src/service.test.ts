import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRepositories, openPGliteTestDatabase, SecretBox, type TestDatabase } from '@facerec/db';
import type { PooledFaceEngine } from '@facerec/face';
import { sharedFace, startTestEngine } from '@facerec/face/testing';
import { SimilarityScale } from '@facerec/rekognition';
import { LocalVectorIndex } from '@facerec/storage';
import { createFaceService } from './service.js';
import type { Caller, FaceApi } from './face-api.js';

/**
 * The face API end to end below HTTP: real engine, PGlite with the real migrations, the local
 * vector index. Checks behaviour the gateway relies on: idempotent indexing, search semantics,
 * users, deletion reaching the index, tenant isolation.
 */
describe('FaceService on PGlite + LocalVectorIndex + the real engine', () => {
  let db: TestDatabase;
  let engine: PooledFaceEngine;
  let vectors: LocalVectorIndex;
  let api: FaceApi;
  let studioA: Caller;
  let studioB: Caller;

  before(async () => {
    db = await openPGliteTestDatabase();
    engine = await startTestEngine();
    vectors = new LocalVectorIndex();
    const repos = createRepositories(db.db, new SecretBox(SecretBox.generateKey()));
    api = createFaceService({ repos, vectors, engine, scale: SimilarityScale.forModelVersion(engine.modelVersion) });
    studioA = { tenantId: (await repos.tenants.create({ name: 'A' })).id };
    studioB = { tenantId: (await repos.tenants.create({ name: 'B' })).id };
  });

  after(async () => {
    await engine?.close();
    await vectors?.close();
    await db?.dispose();
  });

  const image = async (file: string) => ({ Bytes: new Uint8Array(await sharedFace(file)) });

  test('collections: create, duplicate refused, describe, list, invalid id', async () => {
    const created = await api.CreateCollection(studioA, { CollectionId: 'event-1' });
    assert.equal(created.StatusCode, 200);
    assert.equal(created.FaceModelVersion, engine.modelVersion);
    await assert.rejects(api.CreateCollection(studioA, { CollectionId: 'event-1' }), { name: 'CollectionAlreadyExistsError' });
    await assert.rejects(api.CreateCollection(studioA, { CollectionId: 'bad id!' }), { kind: 'InvalidParameter' });
    const described = await api.DescribeCollection(studioA, { CollectionId: 'event-1' });
    assert.equal(described.FaceCount, 0);
    assert.deepEqual((await api.ListCollections(studioA, {})).CollectionIds, ['event-1']);
  });

  test('another studio cannot see, index into, or delete the collection', async () => {
    await assert.rejects(api.DescribeCollection(studioB, { CollectionId: 'event-1' }), { name: 'CollectionNotFoundError' });
    await assert.rejects(api.IndexFaces(studioB, { CollectionId: 'event-1', Image: await image('dev/barack_obama/1.jpg') }), { name: 'CollectionNotFoundError' });
    await assert.rejects(api.DeleteCollection(studioB, { CollectionId: 'event-1' }), { name: 'CollectionNotFoundError' });
    assert.deepEqual((await api.ListCollections(studioB, {})).CollectionIds, []);
  });

  test('IndexFaces is idempotent for the same image and external id, and SearchFacesByImage finds the person', async () => {
    const first = await api.IndexFaces(studioA, { CollectionId: 'event-1', Image: await image('dev/barack_obama/1.jpg'), ExternalImageId: 'obama-1' });
    assert.equal(first.FaceRecords?.length, 1);
    const again = await api.IndexFaces(studioA, { CollectionId: 'event-1', Image: await image('dev/barack_obama/1.jpg'), ExternalImageId: 'obama-1' });
    assert.deepEqual(again.FaceRecords?.map((f) => f.Face?.FaceId), first.FaceRecords?.map((f) => f.Face?.FaceId));
    await api.IndexFaces(studioA, { CollectionId: 'event-1', Image: await image('dev/angelina_jolie/1.jpg'), ExternalImageId: 'jolie-1' });
    assert.equal((await api.DescribeCollection(studioA, { CollectionId: 'event-1' })).FaceCount, 2);

    const hit = await api.SearchFacesByImage(studioA, { CollectionId: 'event-1', Image: await image('dev/barack_obama/2.jpg') });
    assert.deepEqual(hit.FaceMatches?.map((m) => m.Face?.ExternalImageId), ['obama-1']);
    assert.ok((hit.FaceMatches?.[0].Similarity ?? 0) >= 80);
    const miss = await api.SearchFacesByImage(studioA, { CollectionId: 'event-1', Image: await image('dev/kit_harington/1.jpg') });
    assert.deepEqual(miss.FaceMatches, []);
  });

  test('SearchFaces by face id excludes the face itself; a photo with no face is InvalidParameter', async () => {
    const obama = (await api.ListFaces(studioA, { CollectionId: 'event-1' })).Faces!.find((f) => f.ExternalImageId === 'obama-1')!;
    const res = await api.SearchFaces(studioA, { CollectionId: 'event-1', FaceId: obama.FaceId });
    assert.equal(res.SearchedFaceId, obama.FaceId);
    assert.ok(!res.FaceMatches?.some((m) => m.Face?.FaceId === obama.FaceId));
    await assert.rejects(api.SearchFacesByImage(studioA, { CollectionId: 'event-1', Image: await image('dev/_nonfaces/brick.jpg') }), { kind: 'InvalidParameter' });
  });

  test('users: associate faces, find the user by image, delete the user', async () => {
    const obama = (await api.ListFaces(studioA, { CollectionId: 'event-1' })).Faces!.find((f) => f.ExternalImageId === 'obama-1')!;
    await api.CreateUser(studioA, { CollectionId: 'event-1', UserId: 'obama' });
    const assoc = await api.AssociateFaces(studioA, { CollectionId: 'event-1', UserId: 'obama', FaceIds: [obama.FaceId!] });
    assert.deepEqual(assoc.AssociatedFaces, [{ FaceId: obama.FaceId }]);
    const found = await api.SearchUsersByImage(studioA, { CollectionId: 'event-1', Image: await image('dev/barack_obama/3.jpg') });
    assert.deepEqual(found.UserMatches?.map((m) => m.User?.UserId), ['obama']);
    const stranger = await api.SearchUsersByImage(studioA, { CollectionId: 'event-1', Image: await image('dev/angelina_jolie/2.jpg') });
    assert.deepEqual(stranger.UserMatches, []);
    await api.DeleteUser(studioA, { CollectionId: 'event-1', UserId: 'obama' });
    const after = await api.SearchUsersByImage(studioA, { CollectionId: 'event-1', Image: await image('dev/barack_obama/3.jpg') });
    assert.deepEqual(after.UserMatches, [], 'a deleted user is no longer found');
  });

  test('DeleteFaces removes rows and vectors; DeleteCollection empties the index', async () => {
    const faces = (await api.ListFaces(studioA, { CollectionId: 'event-1' })).Faces!;
    const jolie = faces.find((f) => f.ExternalImageId === 'jolie-1')!;
    const missing = '00000000-0000-4000-8000-000000000000';
    const res = await api.DeleteFaces(studioA, { CollectionId: 'event-1', FaceIds: [jolie.FaceId!, missing] });
    assert.deepEqual(res.DeletedFaces, [jolie.FaceId]);
    assert.deepEqual(res.UnsuccessfulFaceDeletions?.map((u) => u.Reasons), [['FACE_NOT_FOUND']]);
    const search = await api.SearchFacesByImage(studioA, { CollectionId: 'event-1', Image: await image('dev/angelina_jolie/2.jpg') });
    assert.deepEqual(search.FaceMatches, []);
    await api.DeleteCollection(studioA, { CollectionId: 'event-1' });
    await assert.rejects(api.DescribeCollection(studioA, { CollectionId: 'event-1' }), { name: 'CollectionNotFoundError' });
  });

  test('CompareFaces matches the same person in a group photo and not a stranger', async () => {
    const res = await api.CompareFaces(studioA, { SourceImage: await image('dev/barack_obama/1.jpg'), TargetImage: await image('dev/_groups/two_people.jpg') });
    assert.equal(res.FaceMatches?.length, 1);
    assert.equal(res.UnmatchedFaces?.length, 1);
    await assert.rejects(api.CompareFaces(studioA, { SourceImage: await image('dev/_nonfaces/coins.jpg'), TargetImage: await image('dev/_groups/two_people.jpg') }), { kind: 'InvalidParameter' });
  });
});
