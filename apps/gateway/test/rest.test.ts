import { ALBUM_ROUTES } from '../src/albums/routes.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FacerecError } from '@facerec/core';
import { CollectionNotFoundError } from '@facerec/db';
import { startHarness, type Harness } from './harness.js';

describe('REST /api/v1', () => {
  let h: Harness;
  let auth: Record<string, string>;
  before(async () => {
    h = await startHarness();
    auth = { authorization: `Bearer ${h.key.accessKeyId}:${h.key.secretAccessKey}` };
  });
  after(async () => {
    await h.close();
  });

  function form(entries: Record<string, string | Uint8Array>): FormData {
    const data = new FormData();
    for (const [name, value] of Object.entries(entries)) {
      if (typeof value === 'string') data.append(name, value);
      else data.append(name, new Blob([value], { type: 'image/jpeg' }), `${name}.jpg`);
    }
    return data;
  }

  const IMAGE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

  test('detect-faces sends the uploaded file and attributes to DetectFaces', async () => {
    h.fake.respond('DetectFaces', { FaceDetails: [{ Confidence: 99.5 }] });
    const response = await fetch(`${h.url}/api/v1/detect-faces`, { method: 'POST', headers: auth, body: form({ file: IMAGE, attributes: 'ALL' }) });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { FaceDetails: [{ Confidence: 99.5 }] });
    const call = h.fake.lastCall();
    assert.equal(call.operation, 'DetectFaces');
    assert.equal(call.caller.tenantId, h.tenantId);
    assert.deepEqual(call.request.Attributes, ['ALL']);
    assert.deepEqual(new Uint8Array((call.request.Image as { Bytes: Uint8Array }).Bytes), IMAGE);
  });

  test('index-faces maps form fields to IndexFaces members', async () => {
    const response = await fetch(`${h.url}/api/v1/collections/album-1/index-faces`, {
      method: 'POST', headers: auth, body: form({ file: IMAGE, external_image_id: 'img-7', max_faces: '3', quality_filter: 'NONE' }),
    });
    assert.equal(response.status, 200);
    const { request } = h.fake.lastCall();
    assert.equal(request.CollectionId, 'album-1');
    assert.equal(request.ExternalImageId, 'img-7');
    assert.equal(request.MaxFaces, 3);
    assert.equal(request.QualityFilter, 'NONE');
  });

  test('search-faces defaults to threshold 80 and 10 faces', async () => {
    await fetch(`${h.url}/api/v1/collections/album-1/search-faces`, { method: 'POST', headers: auth, body: form({ file: IMAGE }) });
    const call = h.fake.lastCall();
    assert.equal(call.operation, 'SearchFacesByImage');
    assert.equal(call.request.FaceMatchThreshold, 80);
    assert.equal(call.request.MaxFaces, 10);
  });

  test('compare-faces takes source and target files', async () => {
    await fetch(`${h.url}/api/v1/compare-faces`, { method: 'POST', headers: auth, body: form({ source: IMAGE, target: IMAGE.slice(2) }) });
    const { request, operation } = h.fake.lastCall();
    assert.equal(operation, 'CompareFaces');
    assert.deepEqual(new Uint8Array((request.TargetImage as { Bytes: Uint8Array }).Bytes), IMAGE.slice(2));
  });

  test('collections CRUD maps to the collection operations', async () => {
    const created = await fetch(`${h.url}/api/v1/collections`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ collection_id: 'c2' }),
    });
    assert.equal(created.status, 201);
    assert.deepEqual(h.fake.lastCall().request, { CollectionId: 'c2' });
    await fetch(`${h.url}/api/v1/collections?max_results=5&next_token=abc`, { headers: auth });
    assert.deepEqual(h.fake.lastCall().request, { MaxResults: 5, NextToken: 'abc' });
    h.fake.respond('DescribeCollection', { FaceCount: 0, CreationTimestamp: new Date('2024-01-02T03:04:05Z') });
    const described = await fetch(`${h.url}/api/v1/collections/c2`, { headers: auth });
    assert.equal(((await described.json()) as { CreationTimestamp: string }).CreationTimestamp, '2024-01-02T03:04:05.000Z');
    const deleted = await fetch(`${h.url}/api/v1/collections/c2`, { method: 'DELETE', headers: auth });
    assert.equal(deleted.status, 200);
    assert.equal(h.fake.lastCall().operation, 'DeleteCollection');
  });

  test('deleting a face that is not deleted answers 404', async () => {
    const faceId = '11111111-2222-3333-4444-555555555555';
    h.fake.respond('DeleteFaces', { DeletedFaces: [faceId] });
    assert.equal((await fetch(`${h.url}/api/v1/collections/c1/faces/${faceId}`, { method: 'DELETE', headers: auth })).status, 200);
    h.fake.respond('DeleteFaces', { DeletedFaces: [], UnsuccessfulFaceDeletions: [{ FaceId: faceId, Reasons: [] }] });
    const missing = await fetch(`${h.url}/api/v1/collections/c1/faces/${faceId}`, { method: 'DELETE', headers: auth });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'ResourceNotFoundException');
  });

  test('user routes map to the user operations', async () => {
    const json = { ...auth, 'content-type': 'application/json' };
    await fetch(`${h.url}/api/v1/collections/c1/users`, { method: 'POST', headers: json, body: JSON.stringify({ user_id: 'u1' }) });
    assert.deepEqual(h.fake.lastCall().request, { CollectionId: 'c1', UserId: 'u1' });
    const faceIds = ['11111111-2222-3333-4444-555555555555'];
    await fetch(`${h.url}/api/v1/collections/c1/users/u1/faces/associate`, { method: 'POST', headers: json, body: JSON.stringify({ face_ids: faceIds }) });
    assert.deepEqual(h.fake.lastCall().request, { CollectionId: 'c1', UserId: 'u1', FaceIds: faceIds });
    await fetch(`${h.url}/api/v1/collections/c1/users/u1/faces/disassociate`, { method: 'POST', headers: json, body: JSON.stringify({ face_ids: faceIds }) });
    assert.equal(h.fake.lastCall().operation, 'DisassociateFaces');
    await fetch(`${h.url}/api/v1/collections/c1/users/u1/search`, { method: 'POST', headers: json, body: '{}' });
    assert.deepEqual(h.fake.lastCall().request, { CollectionId: 'c1', UserId: 'u1', UserMatchThreshold: 80, MaxUsers: 10 });
    await fetch(`${h.url}/api/v1/collections/c1/search-users`, { method: 'POST', headers: auth, body: form({ file: IMAGE }) });
    assert.equal(h.fake.lastCall().operation, 'SearchUsersByImage');
    await fetch(`${h.url}/api/v1/collections/c1/users`, { headers: auth });
    assert.equal(h.fake.lastCall().operation, 'ListUsers');
    await fetch(`${h.url}/api/v1/collections/c1/users/u1`, { method: 'DELETE', headers: auth });
    assert.deepEqual(h.fake.lastCall().request, { CollectionId: 'c1', UserId: 'u1' });
  });

  test('missing, malformed and wrong bearer credentials answer 401 without calling the service', async () => {
    const calls = h.fake.calls.length;
    const missing = await fetch(`${h.url}/api/v1/collections`);
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { code: string }).code, 'MissingAuthenticationTokenException');
    const wrong = await fetch(`${h.url}/api/v1/collections`, { headers: { authorization: `Bearer ${h.key.accessKeyId}:${'y'.repeat(40)}` } });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { code: string }).code, 'UnrecognizedClientException');
    const malformed = await fetch(`${h.url}/api/v1/collections`, { headers: { authorization: 'Basic abc' } });
    assert.equal(malformed.status, 401);
    assert.equal(h.fake.calls.length, calls);
  });

  test('service errors keep their Rekognition names with REST statuses', async () => {
    h.fake.failNext(new CollectionNotFoundError('nope'));
    const notFound = await fetch(`${h.url}/api/v1/collections/nope`, { headers: auth });
    assert.equal(notFound.status, 404);
    const body = (await notFound.json()) as { code: string; message: string; requestId: string };
    assert.equal(body.code, 'ResourceNotFoundException');
    assert.equal(body.requestId, notFound.headers.get('x-amzn-requestid'));
    h.fake.failNext(new FacerecError('Throttled', 'queue full'));
    const throttled = await fetch(`${h.url}/api/v1/collections`, { headers: auth });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '1');
    h.fake.failNext(new FacerecError('InvalidImageFormat', 'not a jpeg'));
    const badImage = await fetch(`${h.url}/api/v1/detect-faces`, { method: 'POST', headers: auth, body: form({ file: IMAGE }) });
    assert.equal(badImage.status, 415);
    h.fake.failNext(new FacerecError('ServiceUnavailable', 'db down'));
    const down = await fetch(`${h.url}/api/v1/collections`, { headers: auth });
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '5');
  });

  test('a missing file, a second file in one field and an oversized file are refused', async () => {
    const missing = await fetch(`${h.url}/api/v1/detect-faces`, { method: 'POST', headers: auth, body: form({ attributes: 'ALL' }) });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { code: string }).code, 'InvalidParameterException');
    const twice = form({ file: IMAGE });
    twice.append('file', new Blob([IMAGE]), 'again.jpg');
    const repeated = await fetch(`${h.url}/api/v1/detect-faces`, { method: 'POST', headers: auth, body: twice });
    assert.equal(repeated.status, 400);
    assert.equal(((await repeated.json()) as { code: string }).code, 'InvalidParameterException');
    const unexpected = await fetch(`${h.url}/api/v1/detect-faces`, { method: 'POST', headers: auth, body: form({ file: IMAGE, other: IMAGE }) });
    assert.equal(unexpected.status, 400);
    const big = await fetch(`${h.url}/api/v1/detect-faces`, { method: 'POST', headers: auth, body: form({ file: new Uint8Array(1024 * 1024 + 1) }) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { code: string }).code, 'ImageTooLargeException');
  });

  test('malformed JSON bodies answer 400 SerializationException', async () => {
    const response = await fetch(`${h.url}/api/v1/collections`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"collection_id":' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { code: string }).code, 'SerializationException');
  });

  test('unknown routes answer 404 NotFoundException', async () => {
    const response = await fetch(`${h.url}/api/v1/nothing-here`, { headers: auth });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { code: string }).code, 'NotFoundException');
  });

  test('the OpenAPI document lists every route and the docs page renders it without auth', async () => {
    const doc = (await (await fetch(`${h.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    assert.equal(doc.openapi, '3.1.0');
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    // 18 Rekognition operations plus the albums API.
    assert.equal(new Set(operations).size, 18 + ALBUM_ROUTES.length);
    assert.ok(doc.paths['/albums/{albumId}/photos'].post);
    assert.ok(doc.paths['/collections/{collectionId}/index-faces'].post);
    const page = await fetch(`${h.url}/api/v1/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /\/api\/v1\/collections\/\{collectionId\}\/search-faces/);
    assert.doesNotMatch(html, /<script/);
  });
});
