/**
 * One repository suite, run against every backend (real Postgres and PGlite) by
 * repositories.test.ts. Each test creates its own tenants, so tests share one migrated database.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  AlbumNotFoundError,
  CollectionAlreadyExistsError,
  CollectionNotFoundError,
  FaceNotFoundError,
  ImageNotFoundError,
  InvalidPaginationTokenError,
  SecretDecryptionError,
  TenantNotFoundError,
  UserAlreadyExistsError,
  UserFaceLimitExceededError,
  UserNotFoundError,
} from '../errors.js';
import { SecretBox } from '../secret-box.js';
import type { TestDatabase } from '../testing/test-databases.js';
import { AlbumRepository } from './album-repository.js';
import { ApiKeyRepository } from './api-key-repository.js';
import { CollectionRepository } from './collection-repository.js';
import type { CollectionRecord } from './collection-repository.js';
import { FaceRepository } from './face-repository.js';
import type { NewFace } from './face-repository.js';
import { ImageRepository } from './image-repository.js';
import { TenantRepository } from './tenant-repository.js';
import { MAX_FACES_PER_USER, UserRepository } from './user-repository.js';

const MODEL = 'test-model-v1';

function vectorFor(seed: number, dim = 8): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = Math.sin(seed * 31 + i * 7) + 0.01 * i;
  let norm = 0;
  for (const x of v) norm += x * x;
  return v.map((x) => x / Math.sqrt(norm));
}

function newFace(seed: number, overrides: Partial<NewFace> = {}): NewFace {
  return {
    imageId: randomUUID(),
    externalImageId: `img-${seed}.jpg`,
    boundingBox: { Width: 0.1, Height: 0.2, Left: 0.3, Top: 0.4 },
    confidence: 99.5,
    landmarks: [{ Type: 'eyeLeft', X: 0.31, Y: 0.45 }],
    pose: { Roll: 1, Yaw: 2, Pitch: 3 },
    quality: { Brightness: 80, Sharpness: 70 },
    modelVersion: MODEL,
    embedding: vectorFor(seed),
    ...overrides,
  };
}

export function repositorySuite(open: () => Promise<TestDatabase>): void {
  let database: TestDatabase;
  let tenants: TenantRepository;
  let collections: CollectionRepository;
  let faces: FaceRepository;
  let users: UserRepository;
  let albums: AlbumRepository;
  let images: ImageRepository;
  const secretBox = new SecretBox(SecretBox.generateKey());

  before(async () => {
    database = await open();
    tenants = new TenantRepository(database.db);
    collections = new CollectionRepository(database.db);
    faces = new FaceRepository(database.db);
    users = new UserRepository(database.db);
    albums = new AlbumRepository(database.db);
    images = new ImageRepository(database.db);
  });

  after(async () => {
    await database?.dispose();
  });

  async function newTenant(): Promise<string> {
    return (await tenants.create({ name: 'Studio' })).id;
  }

  async function newCollection(tenantId?: string, collectionId = 'album-2024'): Promise<CollectionRecord> {
    const tenant = tenantId ?? (await newTenant());
    return collections.create({ tenantId: tenant, collectionId, arn: `arn:test:collection/${collectionId}`, faceModelVersion: MODEL });
  }

  describe('collections', () => {
    test('create, get and describe a collection', async () => {
      const created = await newCollection();
      assert.equal(created.collectionId, 'album-2024');
      assert.equal(created.faceModelVersion, MODEL);
      const fetched = await collections.get(created.tenantId, 'album-2024');
      assert.deepEqual(fetched, created);
      const described = await collections.describe(created.tenantId, 'album-2024');
      assert.equal(described.faceCount, 0);
      assert.equal(described.userCount, 0);
    });

    test('creating an existing collection id fails; another tenant may use the same id', async () => {
      const first = await newCollection();
      await assert.rejects(newCollection(first.tenantId), CollectionAlreadyExistsError);
      const other = await newCollection();
      assert.notEqual(other.id, first.id);
    });

    test('creating a collection for an unknown tenant fails with TenantNotFoundError', async () => {
      await assert.rejects(newCollection(randomUUID()), TenantNotFoundError);
      await assert.rejects(newCollection('not-a-uuid'), TenantNotFoundError);
    });

    test('list pages through collections in a stable order with opaque tokens', async () => {
      const tenantId = await newTenant();
      const ids = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5'];
      for (const id of ids) await newCollection(tenantId, id);
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await collections.list(tenantId, { maxResults: 2, ...(token ? { nextToken: token } : {}) });
        seen.push(...page.items.map((c) => c.collectionId));
        token = page.nextToken;
        pages++;
      } while (token);
      assert.deepEqual(seen, ids);
      assert.equal(pages, 3);
      const all = await collections.list(tenantId);
      assert.equal(all.items.length, 5);
      assert.equal(all.nextToken, undefined);
    });

    test('a malformed or foreign pagination token is rejected', async () => {
      const tenantId = await newTenant();
      await assert.rejects(collections.list(tenantId, { nextToken: 'garbage!' }), InvalidPaginationTokenError);
      const facesToken = Buffer.from(`faces:${randomUUID()}`).toString('base64url');
      await assert.rejects(collections.list(tenantId, { nextToken: facesToken }), InvalidPaginationTokenError);
    });

    test('delete removes the collection with its faces and users', async () => {
      const collection = await newCollection();
      const [face] = await faces.insert(collection, [newFace(1)]);
      await users.create(collection, 'user-1');
      await users.associateFaces(collection, 'user-1', [face.faceId]);
      await collections.delete(collection.tenantId, collection.collectionId);
      await assert.rejects(collections.get(collection.tenantId, collection.collectionId), CollectionNotFoundError);
      assert.equal(await faces.count(collection), 0);
      assert.equal((await users.list(collection)).items.length, 0);
      await assert.rejects(collections.delete(collection.tenantId, collection.collectionId), CollectionNotFoundError);
    });
  });

  describe('faces', () => {
    test('insert returns faces in input order and keeps the vector bit-exact', async () => {
      const collection = await newCollection();
      const inputs = [newFace(1), newFace(2), newFace(3)];
      const inserted = await faces.insert(collection, inputs);
      assert.deepEqual(
        inserted.map((f) => f.externalImageId),
        inputs.map((f) => f.externalImageId),
      );
      const first = inserted[0];
      assert.deepEqual(first.boundingBox, inputs[0].boundingBox);
      assert.deepEqual(first.landmarks, inputs[0].landmarks);
      assert.deepEqual(first.pose, inputs[0].pose);
      assert.equal(first.userId, null);
      const stored = await faces.getEmbedding(collection, first.faceId);
      assert.deepEqual(stored.embedding, inputs[0].embedding);
      assert.equal((await collections.describe(collection.tenantId, collection.collectionId)).faceCount, 3);
    });

    test('album writes are idempotent on (image, face index)', async () => {
      const collection = await newCollection();
      const album = await albums.create(collection, 'Wedding');
      const [image] = await images.add(collection.tenantId, album.id, [{ blobKey: 'a/1.jpg' }]);
      const batch = [0, 1].map((faceIndex) =>
        newFace(faceIndex, { imageId: image.id, source: { albumImageId: image.id, faceIndex } }),
      );
      const first = await faces.insert(collection, batch);
      const again = await faces.insert(collection, batch.map((face) => ({ ...face, faceId: randomUUID() })));
      assert.deepEqual(
        again.map((f) => f.faceId),
        first.map((f) => f.faceId),
      );
      assert.equal(await faces.count(collection), 2);
      assert.deepEqual(
        first.map((f) => [f.albumImageId, f.faceIndex]),
        [
          [image.id, 0],
          [image.id, 1],
        ],
      );
    });

    test('list pages by face id, filters by user and by face ids', async () => {
      const collection = await newCollection();
      const inserted = await faces.insert(collection, [1, 2, 3, 4, 5].map((seed) => newFace(seed)));
      const expected = inserted.map((f) => f.faceId).sort();
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await faces.list(collection, { maxResults: 2, ...(token ? { nextToken: token } : {}) });
        seen.push(...page.items.map((f) => f.faceId));
        token = page.nextToken;
      } while (token);
      assert.deepEqual(seen, expected);

      await users.create(collection, 'u1');
      await users.associateFaces(collection, 'u1', [inserted[0].faceId, inserted[1].faceId]);
      const ofUser = await faces.list(collection, { userId: 'u1' });
      assert.deepEqual(ofUser.items.map((f) => f.faceId), [inserted[0].faceId, inserted[1].faceId].sort());
      const picked = await faces.list(collection, { faceIds: [inserted[2].faceId, randomUUID(), 'nonsense'] });
      assert.deepEqual(picked.items.map((f) => f.faceId), [inserted[2].faceId]);
    });

    test('faces by image, and deleting by image', async () => {
      const collection = await newCollection();
      const imageId = randomUUID();
      await faces.insert(collection, [newFace(1, { imageId }), newFace(2, { imageId }), newFace(3)]);
      const ofImage = await faces.byImage(collection, imageId);
      assert.equal(ofImage.length, 2);
      const removed = await faces.deleteByImage(collection, imageId);
      assert.deepEqual(removed.sort(), ofImage.map((f) => f.faceId).sort());
      assert.equal(await faces.count(collection), 1);
    });

    test('delete returns deleted ids and reports unknown and user-owned faces', async () => {
      const collection = await newCollection();
      const [kept, owned, gone] = await faces.insert(collection, [newFace(1), newFace(2), newFace(3)]);
      await users.create(collection, 'owner');
      await users.associateFaces(collection, 'owner', [owned.faceId]);
      const missing = randomUUID();
      const result = await faces.delete(collection, [gone.faceId, owned.faceId, missing]);
      assert.deepEqual(result.deleted, [gone.faceId]);
      assert.deepEqual(result.unsuccessful, [
        { faceId: owned.faceId, userId: 'owner', reasons: ['ASSOCIATED_TO_AN_EXISTING_USER'] },
        { faceId: missing, reasons: ['FACE_NOT_FOUND'] },
      ]);
      assert.deepEqual(
        (await faces.getMany(collection, [kept.faceId, owned.faceId, gone.faceId])).map((f) => f.faceId).sort(),
        [kept.faceId, owned.faceId].sort(),
      );
      await assert.rejects(faces.get(collection, gone.faceId), FaceNotFoundError);
      await assert.rejects(faces.getEmbedding(collection, 'not-a-uuid'), FaceNotFoundError);
    });

    test('embeddings() streams every stored vector in batches', async () => {
      const collection = await newCollection();
      const inserted = await faces.insert(collection, [1, 2, 3, 4, 5].map((seed) => newFace(seed)));
      const batches: number[] = [];
      const seen = new Map<string, Float32Array>();
      for await (const batch of faces.embeddings(collection, 2)) {
        batches.push(batch.length);
        for (const item of batch) seen.set(item.faceId, item.embedding);
      }
      assert.deepEqual(batches, [2, 2, 1]);
      for (const [index, face] of inserted.entries()) assert.deepEqual(seen.get(face.faceId), vectorFor(index + 1));
    });
  });

  describe('users', () => {
    test('create, duplicate, list with pagination, delete', async () => {
      const collection = await newCollection();
      for (const id of ['carol', 'alice', 'bob']) await users.create(collection, id);
      await assert.rejects(users.create(collection, 'alice'), UserAlreadyExistsError);
      const first = await users.list(collection, { maxResults: 2 });
      assert.deepEqual(first.items.map((u) => u.userId), ['alice', 'bob']);
      assert.ok(first.nextToken);
      const second = await users.list(collection, { maxResults: 2, nextToken: first.nextToken });
      assert.deepEqual(second.items.map((u) => [u.userId, u.status]), [['carol', 'CREATED']]);
      assert.equal(second.nextToken, undefined);
      await users.delete(collection, 'bob');
      await assert.rejects(users.delete(collection, 'bob'), UserNotFoundError);
      assert.equal((await collections.describe(collection.tenantId, collection.collectionId)).userCount, 2);
    });

    test('a face belongs to at most one user', async () => {
      const collection = await newCollection();
      const [a, b, c] = await faces.insert(collection, [newFace(1), newFace(2), newFace(3)]);
      await users.create(collection, 'u1');
      await users.create(collection, 'u2');
      const first = await users.associateFaces(collection, 'u1', [a.faceId, b.faceId]);
      assert.deepEqual(first.associated.sort(), [a.faceId, b.faceId].sort());
      assert.equal(first.userStatus, 'ACTIVE');
      const missing = randomUUID();
      const second = await users.associateFaces(collection, 'u2', [b.faceId, c.faceId, missing]);
      assert.deepEqual(second.associated, [c.faceId]);
      assert.deepEqual(second.unsuccessful, [
        { faceId: b.faceId, userId: 'u1', reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] },
        { faceId: missing, reasons: ['FACE_NOT_FOUND'] },
      ]);
      const again = await users.associateFaces(collection, 'u1', [a.faceId]);
      assert.deepEqual(again.associated, [a.faceId]);
      await assert.rejects(users.associateFaces(collection, 'nobody', [a.faceId]), UserNotFoundError);
    });

    test('disassociate releases only the user own faces; deleting a user keeps its faces', async () => {
      const collection = await newCollection();
      const [a, b] = await faces.insert(collection, [newFace(1), newFace(2)]);
      await users.create(collection, 'u1');
      await users.create(collection, 'u2');
      await users.associateFaces(collection, 'u1', [a.faceId]);
      await users.associateFaces(collection, 'u2', [b.faceId]);
      const result = await users.disassociateFaces(collection, 'u1', [a.faceId, b.faceId]);
      assert.deepEqual(result.disassociated, [a.faceId]);
      assert.deepEqual(result.unsuccessful, [{ faceId: b.faceId, userId: 'u2', reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] }]);
      assert.equal((await faces.get(collection, a.faceId)).userId, null);
      await users.delete(collection, 'u2');
      const orphan = await faces.get(collection, b.faceId);
      assert.equal(orphan.userId, null);
      assert.equal(orphan.collectionPk, collection.id);
    });

    test(`a user holds at most ${MAX_FACES_PER_USER} faces`, async () => {
      const collection = await newCollection();
      const many = await faces.insert(
        collection,
        Array.from({ length: MAX_FACES_PER_USER + 1 }, (_, i) => newFace(i)),
      );
      await users.create(collection, 'big');
      const ids = many.map((f) => f.faceId);
      await users.associateFaces(collection, 'big', ids.slice(0, MAX_FACES_PER_USER));
      await assert.rejects(users.associateFaces(collection, 'big', ids.slice(MAX_FACES_PER_USER)), UserFaceLimitExceededError);
      assert.equal((await faces.list(collection, { userId: 'big' })).items.length, MAX_FACES_PER_USER);
    });
  });

  describe('tenant isolation', () => {
    test('tenant B cannot see or delete tenant A collection, faces or users', async () => {
      const a = await newCollection(undefined, 'shared-name');
      const [faceA] = await faces.insert(a, [newFace(1)]);
      await users.create(a, 'user-a');
      const tenantB = await newTenant();
      // B names A's collection: answered exactly like a missing one.
      await assert.rejects(collections.get(tenantB, 'shared-name'), CollectionNotFoundError);
      await assert.rejects(collections.describe(tenantB, 'shared-name'), CollectionNotFoundError);
      await assert.rejects(collections.delete(tenantB, 'shared-name'), CollectionNotFoundError);
      assert.equal((await collections.list(tenantB)).items.length, 0);
      // Even holding A's internal collection key, B's scope matches nothing.
      const forged = { id: a.id, tenantId: tenantB };
      assert.equal((await faces.list(forged)).items.length, 0);
      assert.equal(await faces.count(forged), 0);
      await assert.rejects(faces.get(forged, faceA.faceId), FaceNotFoundError);
      const deletion = await faces.delete(forged, [faceA.faceId]);
      assert.deepEqual(deletion.deleted, []);
      assert.deepEqual(deletion.unsuccessful, [{ faceId: faceA.faceId, reasons: ['FACE_NOT_FOUND'] }]);
      assert.deepEqual(await faces.deleteByImage(forged, faceA.imageId), []);
      await assert.rejects(users.get(forged, 'user-a'), UserNotFoundError);
      await assert.rejects(users.delete(forged, 'user-a'), UserNotFoundError);
      await assert.rejects(users.associateFaces(forged, 'user-a', [faceA.faceId]), UserNotFoundError);
      // The database refuses rows whose tenant differs from their collection's.
      await assert.rejects(users.create(forged, 'intruder'), CollectionNotFoundError);
      await assert.rejects(faces.insert(forged, [newFace(2)]), CollectionNotFoundError);
      await assert.rejects(albums.create(forged, 'intruder'), CollectionNotFoundError);
      // A's data is untouched.
      assert.equal((await collections.describe(a.tenantId, 'shared-name')).faceCount, 1);
      assert.equal((await users.get(a, 'user-a')).userId, 'user-a');
    });

    test('tenant B cannot read or change tenant A albums and images', async () => {
      const a = await newCollection();
      const album = await albums.create(a, 'A');
      const [image] = await images.add(a.tenantId, album.id, [{ blobKey: 'k' }]);
      const tenantB = await newTenant();
      await assert.rejects(albums.get(tenantB, album.id), AlbumNotFoundError);
      await assert.rejects(albums.delete(tenantB, album.id), AlbumNotFoundError);
      await assert.rejects(images.get(tenantB, image.id), ImageNotFoundError);
      await assert.rejects(images.markFailed(tenantB, image.id, 'x'), ImageNotFoundError);
      await assert.rejects(images.add(tenantB, album.id, [{ blobKey: 'evil' }]), AlbumNotFoundError);
      assert.equal((await images.list(tenantB, album.id)).items.length, 0);
      assert.deepEqual(await images.getMany(tenantB, [image.id]), []);
      assert.deepEqual((await images.getMany(a.tenantId, [image.id, 'junk'])).map((i) => i.id), [image.id]);
      // Ids are one key space: a direct upload must not reuse another studio's id.
      const unused = '00000000-0000-4000-8000-000000000000';
      assert.deepEqual([...(await images.takenIds([image.id, unused, 'junk']))], [image.id]);
      // B cannot write faces that claim A's image as their album source.
      const collectionB = await newCollection(tenantB);
      await assert.rejects(faces.insert(collectionB, [newFace(1, { source: { albumImageId: image.id, faceIndex: 0 } })]), ImageNotFoundError);
      assert.equal((await images.get(a.tenantId, image.id)).status, 'queued');
    });
  });

  describe('api keys', () => {
    test('issue, look up with the decrypted secret, verify, revoke', async () => {
      const keys = new ApiKeyRepository(database.db, secretBox);
      const tenantId = await newTenant();
      const issued = await keys.create(tenantId, 'ci');
      assert.match(issued.accessKeyId, /^FRK[A-Z2-7]{17}$/);
      assert.equal(issued.secretAccessKey.length, 40);
      const active = await keys.findActive(issued.accessKeyId);
      assert.equal(active?.tenantId, tenantId);
      assert.equal(active?.secretAccessKey, issued.secretAccessKey);
      assert.equal((await keys.verifySecret(issued.accessKeyId, issued.secretAccessKey))?.tenantId, tenantId);
      assert.equal(await keys.verifySecret(issued.accessKeyId, 'wrong'), undefined);
      assert.deepEqual((await keys.list(tenantId)).map((k) => k.accessKeyId), [issued.accessKeyId]);
      assert.deepEqual(await keys.list(await newTenant()), []);
      await keys.revoke(tenantId, issued.accessKeyId);
      assert.equal(await keys.findActive(issued.accessKeyId), undefined);
      assert.equal(await keys.findActive('FRKUNKNOWN'), undefined);
    });

    test('the stored secret is encrypted and needs the server key', async () => {
      const keys = new ApiKeyRepository(database.db, secretBox);
      const issued = await keys.create(await newTenant(), 'k');
      const row = await database.db
        .selectFrom('api_keys')
        .select(['secret_ciphertext', 'secret_hash'])
        .where('access_key_id', '=', issued.accessKeyId)
        .executeTakeFirstOrThrow();
      assert.equal(row.secret_ciphertext.includes(Buffer.from(issued.secretAccessKey)), false);
      assert.notEqual(row.secret_hash, issued.secretAccessKey);
      const otherKey = new ApiKeyRepository(database.db, new SecretBox(SecretBox.generateKey()));
      await assert.rejects(otherKey.findActive(issued.accessKeyId), SecretDecryptionError);
    });

    test('a key for an unknown tenant is refused', async () => {
      const keys = new ApiKeyRepository(database.db, secretBox);
      await assert.rejects(keys.create(randomUUID(), 'k'), TenantNotFoundError);
    });
  });

  describe('albums and images', () => {
    test('image lifecycle and album progress', async () => {
      const collection = await newCollection();
      const album = await albums.create(collection, 'Gala');
      const added = await images.add(collection.tenantId, album.id, [
        { blobKey: 'b/1.jpg', originalName: '1.jpg', contentType: 'image/jpeg', sizeBytes: 1234 },
        { blobKey: 'b/2.jpg' },
        { blobKey: 'b/3.jpg' },
      ]);
      assert.deepEqual(added.map((i) => i.blobKey), ['b/1.jpg', 'b/2.jpg', 'b/3.jpg']);
      assert.equal(added[0].sizeBytes, 1234);
      const [one, two] = added;
      const claimed = await images.markProcessing(collection.tenantId, one.id);
      assert.equal(claimed.status, 'processing');
      assert.equal(claimed.attempts, 1);
      assert.ok(claimed.startedAt);
      await images.markIndexed(collection.tenantId, one.id, 4);
      const redelivered = await images.markProcessing(collection.tenantId, one.id);
      assert.equal(redelivered.status, 'indexed');
      assert.equal(redelivered.attempts, 1);
      await images.markProcessing(collection.tenantId, two.id);
      const failed = await images.markFailed(collection.tenantId, two.id, 'not a JPEG');
      assert.equal(failed.error, 'not a JPEG');
      const progress = await albums.progress(collection.tenantId, album.id);
      assert.deepEqual(progress.images, { queued: 1, processing: 0, indexed: 1, failed: 1 });
      assert.equal(progress.total, 3);
      assert.equal(progress.faces, 4);
      assert.ok(progress.firstStartedAt && progress.lastFinishedAt);
      const failedList = await images.list(collection.tenantId, album.id, { status: 'failed' });
      assert.deepEqual(failedList.items.map((i) => i.id), [two.id]);
      const retried = await images.requeue(collection.tenantId, two.id);
      assert.equal(retried.status, 'queued');
      assert.equal(retried.error, null);
      const page = await images.list(collection.tenantId, album.id, { maxResults: 2 });
      assert.equal(page.items.length, 2);
      const rest = await images.list(collection.tenantId, album.id, { maxResults: 2, nextToken: page.nextToken });
      assert.deepEqual(
        [...page.items, ...rest.items].map((i) => i.id),
        added.map((i) => i.id),
      );
    });

    test('a large upload is recorded in order, past the bind-parameter limit of one statement', async () => {
      const collection = await newCollection();
      const album = await albums.create(collection, 'Marathon');
      const uploads = Array.from({ length: 9000 }, (_, i) => ({ blobKey: `m/${i}.jpg`, originalName: `${i}.jpg`, contentType: 'image/jpeg', sizeBytes: i }));
      const added = await images.add(collection.tenantId, album.id, uploads);
      assert.equal(added.length, 9000);
      assert.deepEqual(added.slice(-2).map((i) => i.blobKey), ['m/8998.jpg', 'm/8999.jpg']);
      assert.equal((await albums.progress(collection.tenantId, album.id)).images.queued, 9000);
    });

    test('deleting an album removes its images and the faces written from them', async () => {
      const collection = await newCollection();
      const album = await albums.create(collection, 'Gala');
      const [image] = await images.add(collection.tenantId, album.id, [{ blobKey: 'x' }]);
      await faces.insert(collection, [newFace(1, { imageId: image.id, source: { albumImageId: image.id, faceIndex: 0 } }), newFace(2)]);
      await albums.delete(collection.tenantId, album.id);
      await assert.rejects(images.get(collection.tenantId, image.id), ImageNotFoundError);
      assert.equal(await faces.count(collection), 1);
      assert.deepEqual(await albums.list(collection.tenantId), []);
    });
  });
}
