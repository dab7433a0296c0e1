/**
 * Security promise 2: tenant isolation across every operation. Studio B uses studio A's
 * collection, face, user, album and image ids through all 18 AWS operations, every REST route and
 * every album route; each answer must equal, byte for byte after the id itself is replaced by a
 * placeholder, B's answer for an id that never existed (status, error name, message). A's data is
 * checked untouched afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as R from '@aws-sdk/client-rekognition';
import { OPERATIONS, type OperationName } from '@facerec/service';
import { ALBUM_ROUTES, REST_ROUTES } from '../../src/index.js';
import { AlbumsClient, FACES_DEV, requireDevPhotos } from '../albums-client.js';
import { imageForm, restCall, startSecurityStack, type SecurityStack } from './stack.js';

requireDevPhotos();
const photo = (relative: string) => readFileSync(path.join(FACES_DEV, relative));
const OBAMA = photo('barack_obama/1.jpg');
const GROUP = photo('_groups/obama_and_biden.jpg');
const CEILING_MS = 5 * 60_000;

/** What a client observes, with every id in `ids` replaced by its placeholder. */
type Observed = { status: number; name: string; detail: string };

function normalize(text: string, ids: Record<string, string>): string {
  let out = text;
  for (const [placeholder, id] of Object.entries(ids)) out = out.split(id).join(`<${placeholder}>`);
  return out.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
}

async function sdkObserve(run: () => Promise<unknown>, ids: Record<string, string>): Promise<Observed> {
  try {
    const out = (await run()) as Record<string, unknown>;
    const { $metadata: _ignored, ...body } = out;
    return { status: 200, name: 'ok', detail: normalize(JSON.stringify(body), ids) };
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    assert.ok(e.$metadata, `an HTTP error, not ${String(error)}`);
    return { status: e.$metadata.httpStatusCode ?? 0, name: e.name, detail: normalize(e.message, ids) };
  }
}

describe('tenant isolation: studio B sees studio A\'s ids exactly as ids that do not exist', () => {
  let stack: SecurityStack;
  const a = { collectionId: 'a-event', userId: 'a-user', faceId: '', imageId: '', albumId: '', photoId: '', shareToken: '', blobKey: '' };
  const b = { collectionId: 'b-own', userId: 'b-user', albumId: '', shareToken: '' };
  const missing: Record<'collectionId' | 'userId' | 'faceId' | 'albumId' | 'photoId' | 'blobKey', string> = { collectionId: 'never-made', userId: 'nobody', faceId: randomUUID(), albumId: randomUUID(), photoId: randomUUID(), blobKey: `albums/${randomUUID()}/${randomUUID()}/${randomUUID()}` };

  before(async () => {
    stack = await startSecurityStack();
    const A = stack.a.sdk;
    const B = stack.b.sdk;
    await A.send(new R.CreateCollectionCommand({ CollectionId: a.collectionId }));
    const indexed = await A.send(new R.IndexFacesCommand({ CollectionId: a.collectionId, Image: { Bytes: OBAMA }, ExternalImageId: 'obama-1', MaxFaces: 1 }));
    a.faceId = indexed.FaceRecords![0].Face!.FaceId!;
    a.imageId = indexed.FaceRecords![0].Face!.ImageId!;
    await A.send(new R.CreateUserCommand({ CollectionId: a.collectionId, UserId: a.userId }));
    await A.send(new R.AssociateFacesCommand({ CollectionId: a.collectionId, UserId: a.userId, FaceIds: [a.faceId] }));
    const albumsA = new AlbumsClient(stack.url, `${stack.a.accessKeyId}:${stack.a.secretAccessKey}`);
    const albumA = await albumsA.createAlbum('A wedding');
    Object.assign(a, { albumId: albumA.albumId, shareToken: albumA.shareToken });
    const uploaded = await albumsA.upload(a.albumId, [{ name: 'group.jpg', bytes: GROUP }]);
    a.photoId = uploaded.accepted[0].imageId;
    a.blobKey = `albums/${stack.a.tenantId}/${a.albumId}/${a.photoId}`;
    await albumsA.call('PATCH', `/albums/${a.albumId}`, { selfieSearch: true });
    const done = await albumsA.waitDone(a.albumId, CEILING_MS);
    assert.equal(done.indexed, 1);

    await B.send(new R.CreateCollectionCommand({ CollectionId: b.collectionId }));
    await B.send(new R.IndexFacesCommand({ CollectionId: b.collectionId, Image: { Bytes: photo('angelina_jolie/1.jpg') }, MaxFaces: 1 }));
    await B.send(new R.CreateUserCommand({ CollectionId: b.collectionId, UserId: b.userId }));
    const albumsB = new AlbumsClient(stack.url, `${stack.b.accessKeyId}:${stack.b.secretAccessKey}`);
    const albumB = await albumsB.createAlbum('B party');
    Object.assign(b, { albumId: albumB.albumId, shareToken: albumB.shareToken });
    await albumsB.call('PATCH', `/albums/${b.albumId}`, { selfieSearch: true });
  });

  after(async () => {
    await stack?.close();
  });

  /** Runs `probe` with A's id and with a missing one; the two observations must be equal. */
  const same = async (label: string, probe: (id: string) => Promise<Observed>, aId: string, missingId: string): Promise<void> => {
    const withA = await probe(aId);
    const withMissing = await probe(missingId);
    assert.deepEqual(withA, withMissing, `${label}: A's id answers differently from a missing one`);
  };

  const awsProbe = (label: string, make: (id: string) => Promise<unknown>, aId: string, missingId: string) =>
    same(label, (id) => sdkObserve(() => make(id), { id: aId, missing: missingId }).then((o) => ({ ...o, detail: o.detail.replace('<missing>', '<id>') })), aId, missingId);

  test('all 18 AWS operations', async () => {
    const B = stack.b.sdk;
    const image = { Bytes: OBAMA };
    const s3 = (key: string) => ({ S3Object: { Bucket: 'facerec', Name: key } });
    const coll = (make: (collectionId: string) => Promise<unknown>) => (label: string) => awsProbe(label, make, a.collectionId, missing.collectionId);
    const face = (make: (faceId: string) => Promise<unknown>) => (label: string) => awsProbe(label, make, a.faceId, missing.faceId);
    const user = (make: (userId: string) => Promise<unknown>) => (label: string) => awsProbe(label, make, a.userId, missing.userId);
    // One entry per operation (the type demands all 18); CreateCollection runs last since it creates.
    const probes: Record<OperationName, ((label: string) => Promise<void>)[]> = {
      DescribeCollection: [coll((id) => B.send(new R.DescribeCollectionCommand({ CollectionId: id })))],
      ListCollections: [
        async () => {
          const listed = await B.send(new R.ListCollectionsCommand({}));
          assert.deepEqual([...(listed.CollectionIds ?? [])].sort(), [b.collectionId, `album-${b.albumId}`].sort());
        },
      ],
      DeleteCollection: [coll((id) => B.send(new R.DeleteCollectionCommand({ CollectionId: id })))],
      DetectFaces: [(label) => awsProbe(label, (key) => B.send(new R.DetectFacesCommand({ Image: s3(key) })), a.blobKey, missing.blobKey)],
      IndexFaces: [coll((id) => B.send(new R.IndexFacesCommand({ CollectionId: id, Image: image })))],
      ListFaces: [
        coll((id) => B.send(new R.ListFacesCommand({ CollectionId: id }))),
        face((id) => B.send(new R.ListFacesCommand({ CollectionId: b.collectionId, FaceIds: [id] }))),
        user((id) => B.send(new R.ListFacesCommand({ CollectionId: b.collectionId, UserId: id }))),
      ],
      DeleteFaces: [
        coll((id) => B.send(new R.DeleteFacesCommand({ CollectionId: id, FaceIds: [a.faceId] }))),
        face((id) => B.send(new R.DeleteFacesCommand({ CollectionId: b.collectionId, FaceIds: [id] }))),
      ],
      SearchFaces: [
        coll((id) => B.send(new R.SearchFacesCommand({ CollectionId: id, FaceId: a.faceId }))),
        face((id) => B.send(new R.SearchFacesCommand({ CollectionId: b.collectionId, FaceId: id }))),
      ],
      SearchFacesByImage: [coll((id) => B.send(new R.SearchFacesByImageCommand({ CollectionId: id, Image: image })))],
      CompareFaces: [
        (label) => awsProbe(label, (key) => B.send(new R.CompareFacesCommand({ SourceImage: s3(key), TargetImage: image })), a.blobKey, missing.blobKey),
        (label) => awsProbe(label, (key) => B.send(new R.CompareFacesCommand({ SourceImage: image, TargetImage: s3(key) })), a.blobKey, missing.blobKey),
      ],
      CreateUser: [coll((id) => B.send(new R.CreateUserCommand({ CollectionId: id, UserId: 'new-user' })))],
      DeleteUser: [
        coll((id) => B.send(new R.DeleteUserCommand({ CollectionId: id, UserId: a.userId }))),
        user((id) => B.send(new R.DeleteUserCommand({ CollectionId: b.collectionId, UserId: id }))),
      ],
      ListUsers: [coll((id) => B.send(new R.ListUsersCommand({ CollectionId: id })))],
      AssociateFaces: [
        coll((id) => B.send(new R.AssociateFacesCommand({ CollectionId: id, UserId: a.userId, FaceIds: [a.faceId] }))),
        face((id) => B.send(new R.AssociateFacesCommand({ CollectionId: b.collectionId, UserId: b.userId, FaceIds: [id] }))),
        user((id) => B.send(new R.AssociateFacesCommand({ CollectionId: b.collectionId, UserId: id, FaceIds: [missing.faceId] }))),
      ],
      DisassociateFaces: [
        coll((id) => B.send(new R.DisassociateFacesCommand({ CollectionId: id, UserId: a.userId, FaceIds: [a.faceId] }))),
        face((id) => B.send(new R.DisassociateFacesCommand({ CollectionId: b.collectionId, UserId: b.userId, FaceIds: [id] }))),
      ],
      SearchUsers: [
        coll((id) => B.send(new R.SearchUsersCommand({ CollectionId: id, UserId: a.userId }))),
        face((id) => B.send(new R.SearchUsersCommand({ CollectionId: b.collectionId, FaceId: id }))),
        user((id) => B.send(new R.SearchUsersCommand({ CollectionId: b.collectionId, UserId: id }))),
      ],
      SearchUsersByImage: [coll((id) => B.send(new R.SearchUsersByImageCommand({ CollectionId: id, Image: image })))],
      CreateCollection: [
        // A's collection id is free for B, exactly like an id nobody used.
        coll(async (id) => {
          const out = await B.send(new R.CreateCollectionCommand({ CollectionId: id }));
          await B.send(new R.DeleteCollectionCommand({ CollectionId: id }));
          return { ...out, CollectionArn: out.CollectionArn?.replace(stack.b.tenantId, '<tenant>') };
        }),
      ],
    };
    assert.deepEqual(Object.keys(probes).sort(), [...OPERATIONS].sort());
    for (const [operation, list] of Object.entries(probes)) {
      for (const [i, probe] of list.entries()) await probe(`${operation}#${i + 1}`);
    }
    await assertAUntouched();
  });

  test('every REST route with a path id', async () => {
    const passes = [
      { name: 'A\'s ids', a: { collectionId: a.collectionId, faceId: a.faceId, userId: a.userId } },
      { name: 'A\'s face and user in B\'s own collection', a: { collectionId: b.collectionId, faceId: a.faceId, userId: a.userId } },
    ];
    for (const pass of passes) {
      const miss = { collectionId: pass.a.collectionId === b.collectionId ? b.collectionId : missing.collectionId, faceId: missing.faceId, userId: missing.userId };
      for (const route of REST_ROUTES) {
        const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1] as keyof typeof miss);
        if (params.length === 0) continue;
        const own = pass.a.collectionId === b.collectionId;
        // In B's own collection only the face/user ids are A's; a route with no other id would act on B's data.
        if (own && params.every((p) => p === 'collectionId')) continue;
        const withIds = (ids: typeof miss) => route.path.replace(/:(\w+)/g, (_m, p: keyof typeof miss) => encodeURIComponent(ids[p]));
        const replacements = (ids: typeof miss): Record<string, string> => Object.fromEntries(params.filter((p) => !(own && p === 'collectionId')).map((p) => [p, ids[p]]));
        const files = route.fields.filter((f) => f.type === 'file').map((f) => f.name);
        const observe = async (ids: typeof miss): Promise<Observed> => {
          const body = route.body === 'multipart' ? imageForm(files, OBAMA) : route.body === 'json' ? { user_id: 'new-user', face_ids: [ids.faceId] } : undefined;
          const out = await restCall(stack.url, stack.b.authorization, route.method, `/api/v1${withIds(ids)}`, body);
          const shown = { ...(out.body as Record<string, unknown>) };
          delete shown.requestId;
          return { status: out.status, name: out.code, detail: normalize(JSON.stringify(shown), replacements(ids)) };
        };
        assert.deepEqual(await observe(pass.a), await observe(miss), `${pass.name}: ${route.method} ${route.path}`);
      }
    }
    const listed = await restCall(stack.url, stack.b.authorization, 'get', '/api/v1/collections');
    assert.ok(!(listed.body as { CollectionIds: string[] }).CollectionIds.includes(a.collectionId));
    await assertAUntouched();
  });

  test('every album route with an album or image id, and the storefront with A\'s photo ids', async () => {
    const passes = [
      { name: 'A\'s album and photo', albumId: a.albumId, photo: a.photoId },
      { name: 'A\'s photo in B\'s own album', albumId: b.albumId, photo: a.photoId },
    ];
    for (const pass of passes) {
      const own = pass.albumId === b.albumId;
      for (const route of ALBUM_ROUTES) {
        if (route.access !== 'studio') continue;
        const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
        const imageInBody = route.operation === 'RetryPhotos';
        // CompleteUploads under A's photo id in B's album creates a photo: see the test below.
        if (params.length === 0 || (own && !params.includes('imageId') && !imageInBody)) continue;
        const observe = async (albumId: string, imageId: string): Promise<Observed> => {
          const url = `/api/v1${route.path}`.replace(':albumId', albumId).replace(':imageId', imageId);
          let body: FormData | object | undefined;
          if (route.body === 'json') body = { imageIds: [imageId], name: 'renamed', files: [{ name: 'x.jpg' }] };
          if (route.body === 'multipart') body = imageForm([route.operation === 'UploadPhotos' ? 'files' : 'file'], OBAMA);
          const out = route.body === 'binary'
            ? await putUpload(url)
            : await restCall(stack.url, stack.b.authorization, route.method, url, body);
          const shown: Record<string, unknown> = typeof out.body === 'object' && out.body !== null ? { ...(out.body as Record<string, unknown>) } : { raw: out.body };
          delete shown.requestId;
          const ids: Record<string, string> = { imageId };
          if (!own) ids.albumId = albumId;
          return { status: out.status, name: out.code, detail: normalize(JSON.stringify(shown), ids) };
        };
        const withA = await observe(pass.albumId, pass.photo);
        const withMissing = await observe(own ? b.albumId : missing.albumId, missing.photoId);
        assert.deepEqual(withA, withMissing, `${pass.name}: ${route.method} ${route.path}`);
      }
    }
    // The storefront of B's album with A's photo ids.
    for (const route of ALBUM_ROUTES.filter((r) => r.access === 'public' && r.path.includes(':imageId'))) {
      const observe = async (imageId: string) => {
        const out = await restCall(stack.url, undefined, route.method, `/api/v1${route.path}`.replace(':shareToken', b.shareToken).replace(':imageId', imageId));
        const { requestId: _id, ...shown } = (out.body ?? {}) as Record<string, unknown>;
        return { status: out.status, name: out.code, detail: normalize(JSON.stringify(shown), { imageId }) };
      };
      assert.deepEqual(await observe(a.photoId), await observe(missing.photoId), route.operation);
    }
    const zip = async (imageId: string) => {
      const out = await restCall(stack.url, undefined, 'get', `/api/v1/public/albums/${b.shareToken}/download?imageIds=${imageId}`);
      return { status: out.status, code: out.code };
    };
    assert.deepEqual(await zip(a.photoId), await zip(missing.photoId));
    // B's selfie search never reaches A's photos (Obama is in A's album, not B's).
    const search = await restCall(stack.url, undefined, 'post', `/api/v1/public/albums/${b.shareToken}/search`, imageForm(['file'], OBAMA));
    assert.equal(search.status, 200);
    assert.deepEqual((search.body as { matches: unknown[] }).matches, []);
    const listed = await restCall(stack.url, stack.b.authorization, 'get', '/api/v1/albums');
    assert.deepEqual((listed.body as { albums: { albumId: string }[] }).albums.map((x) => x.albumId), [b.albumId]);
    await assertAUntouched();
  });

  test('a direct upload completed in B\'s album under A\'s photo id is refused and leaves A\'s photo alone', async () => {
    const put = await putUpload(`/api/v1/albums/${b.albumId}/uploads/${a.photoId}`);
    assert.equal(put.status, 204);
    const out = await restCall(stack.url, stack.b.authorization, 'post', `/api/v1/albums/${b.albumId}/uploads/complete`, { imageIds: [a.photoId] });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    const result = out.body as { queued: number; rejected: { imageId: string; code: string }[] };
    assert.equal(result.queued, 0);
    assert.deepEqual(result.rejected.map((r) => [r.imageId, r.code]), [[a.photoId, 'InvalidParameterException']]);
    const listed = await restCall(stack.url, stack.b.authorization, 'get', `/api/v1/albums/${b.albumId}/photos`);
    assert.ok(!JSON.stringify(listed.body).includes(a.photoId), 'B\'s album does not list A\'s id');
    await assertAUntouched();
  });

  async function putUpload(url: string): Promise<{ status: number; code: string; body: unknown }> {
    const res = await fetch(`${stack.url}${url}`, { method: 'PUT', headers: { authorization: stack.b.authorization, 'content-type': 'image/jpeg' }, body: OBAMA });
    const text = await res.text();
    const body: unknown = text ? JSON.parse(text) : {};
    return { status: res.status, code: res.ok ? 'ok' : String((body as { code?: unknown }).code), body };
  }

  /** A's collection, face, user association and album photo are all still there. */
  async function assertAUntouched(): Promise<void> {
    const A = stack.a.sdk;
    const faces = await A.send(new R.ListFacesCommand({ CollectionId: a.collectionId }));
    assert.deepEqual(faces.Faces?.map((f) => [f.FaceId, f.UserId]), [[a.faceId, a.userId]]);
    const users = await A.send(new R.ListUsersCommand({ CollectionId: a.collectionId }));
    assert.deepEqual(users.Users?.map((u) => u.UserId), [a.userId]);
    const found = await A.send(new R.SearchFacesByImageCommand({ CollectionId: a.collectionId, Image: { Bytes: photo('barack_obama/2.jpg') } }));
    assert.deepEqual(found.FaceMatches?.map((m) => m.Face?.FaceId), [a.faceId]);
    const albumPhoto = await fetch(`${stack.url}/api/v1/albums/${a.albumId}/photos/${a.photoId}`, { headers: { authorization: stack.a.authorization } });
    assert.equal(albumPhoto.status, 200);
    assert.deepEqual(Buffer.from(await albumPhoto.arrayBuffer()), GROUP);
  }
});
