/**
 * The direct-upload API (POST uploads → PUT → POST uploads/complete) on the real gateway with its
 * photos in S3 (s3rver): presigned URLs a plain client can PUT to, each photo confirmed or refused
 * on its own, an over-limit object deleted, and the filesystem store's PUT route on the gateway.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startS3rver, TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '@facerec/storage/testing/aws-peers';
import { loadGatewayConfig, startGateway, type RunningGateway } from '../src/index.js';
import { FACES_DEV, requireDevPhotos } from './albums-client.js';
import { embeddedTestEnv } from './harness.js';

requireDevPhotos();
const BUCKET = 'photos';
/** Above the portrait's size (≈0.3 MB), small enough for a test to exceed cheaply. */
const LIMIT = 1_000_000;
const PORTRAIT = readFileSync(path.join(FACES_DEV, 'barack_obama', '1.jpg'));

interface Slot {
  imageId: string;
  method: string;
  url: string;
  headers: Record<string, string>;
}

async function objectCount(directory: string): Promise<number> {
  const entries = await readdir(path.join(directory, BUCKET), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('._S3rver_object')).length;
}

async function startWith(env: Record<string, string>): Promise<{ gateway: RunningGateway; dataDir: string; api: (p: string, init?: RequestInit) => Promise<Response>; auth: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-direct-'));
  const gateway = await startGateway(loadGatewayConfig(embeddedTestEnv(dataDir, { FACEREC_EMBEDDED_WORKER: 'false', ALBUM_PHOTO_LIMIT_BYTES: String(LIMIT), ...env })), { notice: () => undefined });
  const key = gateway.initialKey;
  assert.ok(key);
  const auth = `Bearer ${key.accessKeyId}:${key.secretAccessKey}`;
  const api = (p: string, init: RequestInit = {}) => fetch(`${gateway.url}/api/v1${p}`, { ...init, headers: { authorization: auth, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
  return { gateway, dataDir, api, auth };
}

describe('direct uploads to S3', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let stack: Awaited<ReturnType<typeof startWith>>;
  let albumId: string;

  before(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    stack = await startWith({
      FACEREC_BLOB_STORE: 's3', S3_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: TEST_AWS_REGION,
      AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    });
    albumId = ((await (await stack.api('/albums', { method: 'POST', body: JSON.stringify({ name: 'Direct' }) })).json()) as { albumId: string }).albumId;
  });

  after(async () => {
    await stack?.gateway.close();
    await s3?.stop();
    if (stack) await rm(stack.dataDir, { recursive: true, force: true });
  });

  test('a declared size over the limit is refused before any URL is handed out', async () => {
    const res = await stack.api(`/albums/${albumId}/uploads`, { method: 'POST', body: JSON.stringify({ files: [{ name: 'huge.jpg', contentType: 'image/jpeg', size: LIMIT + 1 }] }) });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'ImageTooLargeException');
  });

  test('each photo is confirmed or refused on its own; an over-limit object is deleted', async () => {
    const res = await stack.api(`/albums/${albumId}/uploads`, { method: 'POST', body: JSON.stringify({ files: ['good.jpg', 'big.jpg', 'never.jpg'].map((name) => ({ name, contentType: 'image/jpeg', size: 1000 })) }) });
    assert.equal(res.status, 200);
    const { uploads, direct } = (await res.json()) as { uploads: Slot[]; direct: boolean };
    assert.equal(direct, true);
    assert.equal(uploads.length, 3);
    const [good, big, never] = uploads;
    for (const slot of uploads) assert.ok(slot.url.startsWith(`${s3.endpoint}/${BUCKET}/`), slot.url);

    // Plain PUTs with no credentials of our own: the URL is the authorisation.
    assert.equal((await fetch(good.url, { method: 'PUT', headers: good.headers, body: PORTRAIT })).status, 200);
    assert.equal((await fetch(big.url, { method: 'PUT', headers: big.headers, body: new Uint8Array(LIMIT + 10) })).status, 200);
    assert.equal(await objectCount(s3.directory), 2);

    const done = await stack.api(`/albums/${albumId}/uploads/complete`, { method: 'POST', body: JSON.stringify({ imageIds: uploads.map((u) => u.imageId), names: { [good.imageId]: 'good.jpg' } }) });
    assert.equal(done.status, 200);
    const body = (await done.json()) as { queued: number; accepted: { imageId: string; name: string | null; status: string }[]; rejected: { imageId: string; code: string; name: string | null }[] };
    assert.equal(body.queued, 1);
    assert.deepEqual(body.accepted.map((a) => [a.imageId, a.name, a.status]), [[good.imageId, 'good.jpg', 'queued']]);
    assert.deepEqual(body.rejected.map((r) => [r.imageId, r.code, r.name]).sort(), [[big.imageId, 'ImageTooLargeException', 'big.jpg'], [never.imageId, 'InvalidParameterException', 'never.jpg']].sort());
    assert.equal(await objectCount(s3.directory), 1, 'the over-limit object is gone; the good one stays');

    const photos = (await (await stack.api(`/albums/${albumId}/photos`)).json()) as { photos: { imageId: string }[] };
    assert.deepEqual(photos.photos.map((p) => p.imageId), [good.imageId]);

    // A confirmation retried (its answer was lost) is harmless: the same photo, once.
    const again = await stack.api(`/albums/${albumId}/uploads/complete`, { method: 'POST', body: JSON.stringify({ imageIds: [good.imageId, good.imageId] }) });
    assert.equal(again.status, 200);
    const repeated = (await again.json()) as { queued: number; accepted: { imageId: string }[]; rejected: unknown[] };
    assert.deepEqual([repeated.queued, repeated.accepted.map((a) => a.imageId), repeated.rejected], [1, [good.imageId], []]);
    const after = (await (await stack.api(`/albums/${albumId}/photos`)).json()) as { photos: { imageId: string }[] };
    assert.deepEqual(after.photos.map((p) => p.imageId), [good.imageId]);
  });
});

describe('direct uploads through the gateway (filesystem store)', () => {
  let stack: Awaited<ReturnType<typeof startWith>>;

  before(async () => {
    stack = await startWith({});
  });

  after(async () => {
    await stack?.gateway.close();
    if (stack) await rm(stack.dataDir, { recursive: true, force: true });
  });

  test('slots point at the gateway, which needs the key and refuses what is not an image', async () => {
    const albumId = ((await (await stack.api('/albums', { method: 'POST', body: JSON.stringify({ name: 'Local' }) })).json()) as { albumId: string }).albumId;
    const res = await stack.api(`/albums/${albumId}/uploads`, { method: 'POST', body: JSON.stringify({ files: [{ name: 'a.jpg', contentType: 'image/jpeg' }, { name: 'b.jpg' }] }) });
    const { uploads, direct } = (await res.json()) as { uploads: Slot[]; direct: boolean };
    assert.equal(direct, false);
    const [photo, text] = uploads;
    const url = new URL(photo.url, stack.gateway.url).toString();
    assert.equal((await fetch(url, { method: 'PUT', body: PORTRAIT })).status, 401, 'the gateway route needs the key');
    assert.equal((await fetch(url, { method: 'PUT', headers: { authorization: stack.auth, ...photo.headers }, body: PORTRAIT })).status, 204);
    const refused = await fetch(new URL(text.url, stack.gateway.url), { method: 'PUT', headers: { authorization: stack.auth }, body: 'not an image at all' });
    assert.equal(refused.status, 415);
    const done = (await (await stack.api(`/albums/${albumId}/uploads/complete`, { method: 'POST', body: JSON.stringify({ imageIds: [photo.imageId, text.imageId] }) })).json()) as { queued: number; rejected: { imageId: string }[] };
    assert.equal(done.queued, 1);
    assert.deepEqual(done.rejected.map((r) => r.imageId), [text.imageId]);
  });
});
