/**
 * `Image.S3Object` through the real `@aws-sdk/client-rekognition`: read from facerec's own blob
 * store (the filesystem store's bucket is called `facerec`), with names relative to the calling
 * studio — its album photos as `albums/<albumId>/<imageId>`, its own objects under its root.
 * Another studio's objects, another bucket and escaping names all answer like a missing object.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as R from '@aws-sdk/client-rekognition';
import { FsBlobStore } from '@facerec/storage';
import { FACES_DEV, requireDevPhotos } from './albums-client.js';
import { imageForm, restCall, startSecurityStack, type SecurityStack } from './security/stack.js';

requireDevPhotos();
const OBAMA = readFileSync(path.join(FACES_DEV, 'barack_obama', '1.jpg'));
const BUCKET = 'facerec';

async function errorOf(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string };
    return { name: e.name, message: e.message };
  }
  throw new Error('the call succeeded');
}

describe('Image.S3Object from the blob store', () => {
  let stack: SecurityStack;
  let photoName = '';

  before(async () => {
    stack = await startSecurityStack({ FACEREC_EMBEDDED_WORKER: 'false' });
    const album = await restCall(stack.url, stack.a.authorization, 'post', '/api/v1/albums', { name: 'S3Object' });
    const albumId = (album.body as { albumId: string }).albumId;
    const upload = await restCall(stack.url, stack.a.authorization, 'post', `/api/v1/albums/${albumId}/photos`, imageForm(['files'], OBAMA));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const imageId = (upload.body as { accepted: { imageId: string }[] }).accepted[0].imageId;
    photoName = `albums/${albumId}/${imageId}`;
    // An object the studio keeps for itself (e.g. synced into the bucket), under its own root.
    const blobs = new FsBlobStore({ root: path.join(stack.dataDir, 'blobs') });
    await blobs.put(`tenants/${stack.a.tenantId}/guests/obama.jpg`, OBAMA);
  });

  after(async () => {
    await stack?.close();
  });

  test('a studio reads its album photos and its own objects by name', async () => {
    const A = stack.a.sdk;
    const photo = await A.send(new R.DetectFacesCommand({ Image: { S3Object: { Bucket: BUCKET, Name: photoName } } }));
    assert.equal(photo.FaceDetails?.length, 1);
    const own = await A.send(new R.DetectFacesCommand({ Image: { S3Object: { Bucket: BUCKET, Name: 'guests/obama.jpg' } } }));
    assert.deepEqual(own.FaceDetails?.map((f) => f.BoundingBox), photo.FaceDetails?.map((f) => f.BoundingBox));
    await A.send(new R.CreateCollectionCommand({ CollectionId: 's3-object' }));
    const indexed = await A.send(new R.IndexFacesCommand({ CollectionId: 's3-object', Image: { S3Object: { Bucket: BUCKET, Name: photoName } }, ExternalImageId: 'from-s3' }));
    assert.equal(indexed.FaceRecords?.length, 1);
    const compared = await A.send(new R.CompareFacesCommand({ SourceImage: { S3Object: { Bucket: BUCKET, Name: 'guests/obama.jpg' } }, TargetImage: { Bytes: OBAMA } }));
    assert.ok((compared.FaceMatches?.[0]?.Similarity ?? 0) > 99);
  });

  test('what a studio may not read answers exactly like a missing object', async () => {
    const missing = await errorOf(stack.a.sdk.send(new R.DetectFacesCommand({ Image: { S3Object: { Bucket: BUCKET, Name: 'guests/nobody.jpg' } } })));
    assert.equal(missing.name, 'InvalidS3ObjectException');
    const tenantA = stack.a.tenantId;
    const attempts: [string, R.S3Object, R.RekognitionClient][] = [
      ['B names A\'s album photo', { Bucket: BUCKET, Name: photoName }, stack.b.sdk],
      ['B names A\'s object', { Bucket: BUCKET, Name: 'guests/obama.jpg' }, stack.b.sdk],
      ['B names A\'s full store key', { Bucket: BUCKET, Name: `tenants/${tenantA}/guests/obama.jpg` }, stack.b.sdk],
      ['B climbs out of its root', { Bucket: BUCKET, Name: `../${tenantA}/guests/obama.jpg` }, stack.b.sdk],
      ['an absolute name', { Bucket: BUCKET, Name: `/tenants/${tenantA}/guests/obama.jpg` }, stack.a.sdk],
      ['another bucket', { Bucket: 'someone-elses', Name: 'guests/obama.jpg' }, stack.a.sdk],
    ];
    for (const [label, object, client] of attempts) {
      assert.deepEqual(await errorOf(client.send(new R.DetectFacesCommand({ Image: { S3Object: object } }))), missing, label);
    }
  });
});
