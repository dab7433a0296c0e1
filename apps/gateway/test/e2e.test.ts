/**
 * End to end: `startGateway` in embedded mode (PGlite + LocalVectorIndex in a temporary data dir,
 * the real engine on one thread) driven by the real @aws-sdk/client-rekognition through all 18
 * operations, with pagination and tenant isolation, then a REST call and a restart that keeps
 * the data. Needs ../shared/faces (fails loudly when missing).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as R from '@aws-sdk/client-rekognition';
import { sharedFace } from '@facerec/face/testing';
import { loadGatewayConfig, type GatewayConfig } from '../src/config.js';
import { startGateway, type RunningGateway } from '../src/server.js';
import { INITIAL_KEY_FILE, SERVER_KEY_FILE } from '../src/bootstrap.js';
import { LogCapture } from './harness.js';

function testConfig(dataDir: string): GatewayConfig {
  const env: Record<string, string> = { FACEREC_DATA_DIR: dataDir, PORT: '0', FACEREC_THREADS: '1', LOG_LEVEL: 'info' };
  for (const name of ['FACEREC_MODEL_CACHE', 'FACEREC_MODEL_SET']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return loadGatewayConfig(env);
}

function sdk(url: string, accessKeyId: string, secretAccessKey: string): R.RekognitionClient {
  return new R.RekognitionClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId, secretAccessKey } });
}

async function image(file: string): Promise<R.Image> {
  return { Bytes: new Uint8Array(await sharedFace(file)) };
}

describe('gateway end to end: SDK → gateway → service → PGlite + local index + engine', () => {
  let dataDir: string;
  let gateway: RunningGateway;
  let a: R.RekognitionClient;
  let b: R.RekognitionClient;
  let notice = '';
  const logs = new LogCapture();
  let secret = '';

  before(async () => {
    await sharedFace('dev/barack_obama/1.jpg'); // fail loudly first if the shared images are missing
    dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-gateway-e2e-'));
    gateway = await startGateway(testConfig(dataDir), { logDestination: logs, notice: (text) => (notice += text) });
    const initial = gateway.initialKey;
    assert.ok(initial, 'the first embedded start creates a default tenant and key');
    secret = initial.secretAccessKey;
    a = sdk(gateway.url, initial.accessKeyId, initial.secretAccessKey);
    const other = await gateway.repos.tenants.create({ name: 'studio-b' });
    const otherKey = await gateway.repos.apiKeys.create(other.id, 'b');
    b = sdk(gateway.url, otherKey.accessKeyId, otherKey.secretAccessKey);
  });

  after(async () => {
    await gateway?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('first start printed the key once and saved it (mode 600) beside the server key', async () => {
    assert.match(notice, new RegExp(gateway.initialKey!.accessKeyId));
    const saved = JSON.parse(await readFile(path.join(dataDir, INITIAL_KEY_FILE), 'utf8')) as { secretAccessKey: string };
    assert.equal(saved.secretAccessKey, secret);
    assert.equal((await stat(path.join(dataDir, INITIAL_KEY_FILE))).mode & 0o777, 0o600);
    assert.equal((await stat(path.join(dataDir, SERVER_KEY_FILE))).mode & 0o777, 0o600);
  });

  test('collections: create, list with pagination, describe', async () => {
    for (const id of ['event', 'spare-1', 'spare-2']) {
      const created = await a.send(new R.CreateCollectionCommand({ CollectionId: id }));
      assert.equal(created.StatusCode, 200);
    }
    const page1 = await a.send(new R.ListCollectionsCommand({ MaxResults: 2 }));
    assert.equal(page1.CollectionIds?.length, 2);
    assert.ok(page1.NextToken);
    const page2 = await a.send(new R.ListCollectionsCommand({ MaxResults: 2, NextToken: page1.NextToken }));
    assert.deepEqual([...(page1.CollectionIds ?? []), ...(page2.CollectionIds ?? [])].sort(), ['event', 'spare-1', 'spare-2']);
    const described = await a.send(new R.DescribeCollectionCommand({ CollectionId: 'event' }));
    assert.equal(described.FaceCount, 0);
    assert.ok(described.CreationTimestamp instanceof Date);
    await a.send(new R.DeleteCollectionCommand({ CollectionId: 'spare-2' }));
    const duplicate = await a.send(new R.CreateCollectionCommand({ CollectionId: 'event' })).catch((e: unknown) => e);
    assert.ok(duplicate instanceof R.ResourceAlreadyExistsException);
  });

  test('DetectFaces finds the face with its attributes', async () => {
    const out = await a.send(new R.DetectFacesCommand({ Image: await image('dev/barack_obama/1.jpg'), Attributes: ['ALL'] }));
    assert.equal(out.FaceDetails?.length, 1);
    const face = out.FaceDetails![0];
    assert.ok((face.Confidence ?? 0) > 50);
    assert.ok(face.BoundingBox && face.BoundingBox.Width! > 0 && face.BoundingBox.Width! <= 1);
  });

  test('IndexFaces, ListFaces with pagination, SearchFaces, SearchFacesByImage', async () => {
    for (const [file, externalId] of [['dev/barack_obama/1.jpg', 'obama-1'], ['dev/barack_obama/2.jpg', 'obama-2'], ['dev/angelina_jolie/1.jpg', 'jolie-1']]) {
      const out = await a.send(new R.IndexFacesCommand({ CollectionId: 'event', Image: await image(file), ExternalImageId: externalId, MaxFaces: 1 }));
      assert.equal(out.FaceRecords?.length, 1, file);
      assert.equal(out.FaceRecords![0].Face?.ExternalImageId, externalId);
    }
    const first = await a.send(new R.ListFacesCommand({ CollectionId: 'event', MaxResults: 2 }));
    assert.equal(first.Faces?.length, 2);
    assert.ok(first.NextToken);
    const rest = await a.send(new R.ListFacesCommand({ CollectionId: 'event', MaxResults: 2, NextToken: first.NextToken }));
    const faces = [...first.Faces!, ...rest.Faces!];
    assert.deepEqual(faces.map((f) => f.ExternalImageId).sort(), ['jolie-1', 'obama-1', 'obama-2']);

    const obama1 = faces.find((f) => f.ExternalImageId === 'obama-1')!;
    const byId = await a.send(new R.SearchFacesCommand({ CollectionId: 'event', FaceId: obama1.FaceId }));
    assert.deepEqual(byId.FaceMatches?.map((m) => m.Face?.ExternalImageId), ['obama-2']);
    const byImage = await a.send(new R.SearchFacesByImageCommand({ CollectionId: 'event', Image: await image('dev/barack_obama/3.jpg') }));
    assert.deepEqual(byImage.FaceMatches?.map((m) => m.Face?.ExternalImageId).sort(), ['obama-1', 'obama-2']);
    assert.ok(byImage.SearchedFaceBoundingBox);
  });

  test('CompareFaces matches the same person and not a stranger', async () => {
    const same = await a.send(new R.CompareFacesCommand({ SourceImage: await image('dev/barack_obama/1.jpg'), TargetImage: await image('dev/barack_obama/4.jpg') }));
    assert.equal(same.FaceMatches?.length, 1);
    const other = await a.send(new R.CompareFacesCommand({ SourceImage: await image('dev/barack_obama/1.jpg'), TargetImage: await image('dev/angelina_jolie/2.jpg') }));
    assert.equal(other.FaceMatches?.length, 0);
    assert.equal(other.UnmatchedFaces?.length, 1);
  });

  test('users: create, list, associate, search by user and by image, disassociate, delete', async () => {
    const faces = (await a.send(new R.ListFacesCommand({ CollectionId: 'event' }))).Faces!;
    const obamaIds = faces.filter((f) => f.ExternalImageId?.startsWith('obama')).map((f) => f.FaceId!);
    await a.send(new R.CreateUserCommand({ CollectionId: 'event', UserId: 'obama' }));
    await a.send(new R.CreateUserCommand({ CollectionId: 'event', UserId: 'nobody' }));
    const users = await a.send(new R.ListUsersCommand({ CollectionId: 'event', MaxResults: 1 }));
    assert.equal(users.Users?.length, 1);
    assert.ok(users.NextToken);
    const assoc = await a.send(new R.AssociateFacesCommand({ CollectionId: 'event', UserId: 'obama', FaceIds: obamaIds }));
    assert.equal(assoc.AssociatedFaces?.length, 2);
    const byUser = await a.send(new R.SearchUsersCommand({ CollectionId: 'event', FaceId: obamaIds[0] }));
    assert.deepEqual(byUser.UserMatches?.map((m) => m.User?.UserId), ['obama']);
    const byImage = await a.send(new R.SearchUsersByImageCommand({ CollectionId: 'event', Image: await image('dev/barack_obama/3.jpg') }));
    assert.deepEqual(byImage.UserMatches?.map((m) => m.User?.UserId), ['obama']);
    const dis = await a.send(new R.DisassociateFacesCommand({ CollectionId: 'event', UserId: 'obama', FaceIds: [obamaIds[1]] }));
    assert.deepEqual(dis.DisassociatedFaces?.map((f) => f.FaceId), [obamaIds[1]]);
    await a.send(new R.DeleteUserCommand({ CollectionId: 'event', UserId: 'nobody' }));
    const conflict = await a.send(new R.CreateUserCommand({ CollectionId: 'event', UserId: 'obama' })).catch((e: unknown) => e);
    assert.ok(conflict instanceof R.ConflictException);
  });

  test('another tenant sees another studio\'s collection exactly as a missing one', async () => {
    const describe = await b.send(new R.DescribeCollectionCommand({ CollectionId: 'event' })).catch((e: unknown) => e);
    assert.ok(describe instanceof R.ResourceNotFoundException);
    const missing = await a.send(new R.DescribeCollectionCommand({ CollectionId: 'never-created' })).catch((e: unknown) => e);
    assert.ok(missing instanceof R.ResourceNotFoundException);
    assert.equal((describe as Error).message.replace('event', 'X'), (missing as Error).message.replace('never-created', 'X'));
    const index = await b.send(new R.IndexFacesCommand({ CollectionId: 'event', Image: await image('dev/barack_obama/1.jpg') })).catch((e: unknown) => e);
    assert.ok(index instanceof R.ResourceNotFoundException);
    assert.deepEqual((await b.send(new R.ListCollectionsCommand({}))).CollectionIds, []);
  });

  test('a non-face image and garbage bytes answer InvalidParameter / InvalidImageFormat', async () => {
    const noFace = await a.send(new R.SearchFacesByImageCommand({ CollectionId: 'event', Image: await image('dev/_nonfaces/brick.jpg') })).catch((e: unknown) => e);
    assert.ok(noFace instanceof R.InvalidParameterException);
    const garbage = await a.send(new R.DetectFacesCommand({ Image: { Bytes: new Uint8Array(1000).fill(7) } })).catch((e: unknown) => e);
    assert.ok(garbage instanceof R.InvalidImageFormatException, String(garbage));
  });

  test('REST with the same key reaches the same data', async () => {
    const auth = { authorization: `Bearer ${gateway.initialKey!.accessKeyId}:${secret}` };
    const listed = await fetch(`${gateway.url}/api/v1/collections/event/faces`, { headers: auth });
    assert.equal(listed.status, 200);
    assert.equal(((await listed.json()) as { Faces: unknown[] }).Faces.length, 3);
    const data = new FormData();
    data.append('file', new Blob([new Uint8Array(await sharedFace('dev/angelina_jolie/3.jpg'))], { type: 'image/jpeg' }), 'jolie.jpg');
    const search = await fetch(`${gateway.url}/api/v1/collections/event/search-faces`, { method: 'POST', headers: auth, body: data });
    assert.equal(search.status, 200);
    const body = (await search.json()) as { FaceMatches: { Face: { ExternalImageId: string } }[] };
    assert.deepEqual(body.FaceMatches.map((m) => m.Face.ExternalImageId), ['jolie-1']);
  });

  test('DeleteFaces and DeleteCollection; readiness and metrics reflect the engine', async () => {
    const faces = (await a.send(new R.ListFacesCommand({ CollectionId: 'event' }))).Faces!;
    const jolie = faces.find((f) => f.ExternalImageId === 'jolie-1')!;
    const deleted = await a.send(new R.DeleteFacesCommand({ CollectionId: 'event', FaceIds: [jolie.FaceId!] }));
    assert.deepEqual(deleted.DeletedFaces, [jolie.FaceId]);
    const ready = await fetch(`${gateway.url}/readyz`);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { database: 'ok', schema: 'ok', engine: 'ok' });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /facerec_http_request_duration_seconds_count\{api="aws",operation="IndexFaces",status="200"\} 3/);
    assert.match(metrics, /facerec_engine_busy_threads 0/);
    await a.send(new R.DeleteCollectionCommand({ CollectionId: 'event' }));
    const gone = await a.send(new R.DescribeCollectionCommand({ CollectionId: 'event' })).catch((e: unknown) => e);
    assert.ok(gone instanceof R.ResourceNotFoundException);
  });

  test('the logs never hold the secret', () => {
    assert.ok(logs.lines.length > 0);
    assert.ok(!logs.text().includes(secret));
  });

  test('a restart on the same data dir keeps the data and creates no second key', async () => {
    await gateway.close();
    notice = '';
    gateway = await startGateway(testConfig(dataDir), { logDestination: logs, notice: (text) => (notice += text) });
    assert.equal(gateway.initialKey, undefined);
    assert.equal(notice, '');
    const client = sdk(gateway.url, (await a.config.credentials()).accessKeyId, secret);
    assert.deepEqual((await client.send(new R.ListCollectionsCommand({}))).CollectionIds, ['spare-1']);
  });
});
