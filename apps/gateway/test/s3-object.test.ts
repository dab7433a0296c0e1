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
import { FsBlobStore, S3BlobStore } from '@facerec/storage';
import { startS3rver, TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '@facerec/storage/testing/aws-peers';
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

describe('Image.S3Object with the photos in an S3 bucket', () => {
  const bucket = 'studio-photos';
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let stack: SecurityStack;

  before(async () => {
    s3 = await startS3rver({ buckets: [bucket] });
    const aws = { S3_BUCKET: bucket, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: TEST_AWS_REGION, AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey };
    stack = await startSecurityStack({ FACEREC_EMBEDDED_WORKER: 'false', FACEREC_BLOB_STORE: 's3', ...aws });
    const blobs = new S3BlobStore({ bucket, endpoint: s3.endpoint, forcePathStyle: true, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS });
    await blobs.put(`tenants/${stack.a.tenantId}/guests/obama.jpg`, OBAMA);
    await blobs.close();
  });

  after(async () => {
    await stack?.close();
    await s3?.stop();
  });

  test('the bucket is the configured one; the studio reads its own objects, nobody else\'s', async () => {
    const own = await stack.a.sdk.send(new R.DetectFacesCommand({ Image: { S3Object: { Bucket: bucket, Name: 'guests/obama.jpg' } } }));
    assert.equal(own.FaceDetails?.length, 1);
    const missing = await errorOf(stack.a.sdk.send(new R.DetectFacesCommand({ Image: { S3Object: { Bucket: bucket, Name: 'guests/nobody.jpg' } } })));
    assert.equal(missing.name, 'InvalidS3ObjectException');
    assert.deepEqual(await errorOf(stack.a.sdk.send(new R.DetectFacesCommand({ Image: { S3Object: { Bucket: BUCKET, Name: 'guests/obama.jpg' } } }))), missing, 'the filesystem store\'s name is not this bucket');
    assert.deepEqual(await errorOf(stack.b.sdk.send(new R.DetectFacesCommand({ Image: { S3Object: { Bucket: bucket, Name: 'guests/obama.jpg' } } }))), missing, 'B reads its own root, not A\'s');
  });
});
