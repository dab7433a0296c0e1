/**
 * Issue 8, "Bad input": the corpus (corpus.ts) through the real embedded gateway (PGlite, local
 * vector index, file blobs, table queue, in-process album worker, the real engine on one thread):
 * every image case through the AWS JSON protocol with the real @aws-sdk/client-rekognition and
 * through REST multipart and the album upload; protocol-level cases on both APIs; long headers;
 * 1 GB uploads streamed from a generator and cut off. Afterwards the process still answers, its
 * RSS is back near the baseline, and no store holds anything from a refused request.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as R from '@aws-sdk/client-rekognition';
import { LocalVectorIndex, vectorCollectionKey } from '@facerec/storage';
import { loadGatewayConfig, startGateway, type RunningGateway } from '../../src/index.js';
import { embeddedTestEnv, LogCapture } from '../harness.js';
import { signedFetch } from '../signing.js';
import { AlbumsClient, type AlbumView, type Photo } from '../albums-client.js';
import { AWS_CASES, HUGE_HEADER_BYTES, IMAGE_CASES, LONG_HEADER_BYTES, REST_STATUS, type ErrorName, type ImageCase } from './corpus.js';
import { uprightFace } from './images.js';
import { streamUpload, type StreamUploadResult } from './stream-upload.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MB = 1024 * 1024;
const GB = 1024 * MB;
/** A leak check, not a speed check: RSS after the corpus and a GC may exceed the baseline by this much. */
const RSS_SLACK = 250 * MB;
/** The JS heap plus Buffers (what a leak of requests or bodies would hold) may grow by this much. */
const HEAP_SLACK = 100 * MB;
/** While a 1 GB upload streams in, RSS may grow by at most this much (nothing is buffered whole). */
const UPLOAD_RSS_SLACK = 200 * MB;
/** "Cut off": the server stops reading long before the end of a 1 GB body. */
const CUT_OFF_BYTES = 128 * MB;
const BOX_TOLERANCE = 0.05;
const ALBUM_CEILING_MS = 10 * 60_000;

type Box = R.BoundingBox;
interface Row {
  case: string;
  api: string;
  operation: string;
  expected: string;
  got: string;
}

function rss(): number {
  return memory().rss;
}

/** After two full GCs: RSS, and the JS heap plus Buffer memory (native arenas such as onnxruntime's keep RSS up after use; a leak of requests or bodies shows here). */
function memory(): { rss: number; heap: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.arrayBuffers };
}

function slug(name: string): string {
  return name.replace(/[^a-zA-Z0-9_.\-:]+/g, '-').slice(0, 100);
}

function boxNear(a: Box | undefined, b: Box): boolean {
  if (!a) return false;
  return (['Left', 'Top', 'Width', 'Height'] as const).every((k) => Math.abs((a[k] ?? -1) - (b[k] ?? -1)) < BOX_TOLERANCE);
}

async function awsOutcome(call: () => Promise<unknown>): Promise<{ error: string } | { out: Record<string, unknown> }> {
  try {
    return { out: (await call()) as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof R.RekognitionServiceException)) return { error: `not a Rekognition error: ${String(error)}` };
    return { error: `${error.name}/${error.$metadata.httpStatusCode ?? '?'}` };
  }
}

describe('bad input through the AWS JSON protocol, REST and the album upload', () => {
  let dataDir: string;
  let gateway: RunningGateway;
  let sdk: R.RekognitionClient;
  let key: { accessKeyId: string; secretAccessKey: string; tenantId: string };
  let auth: Record<string, string>;
  let albums: AlbumsClient;
  let album: AlbumView;
  let face: Buffer;
  let faceBase64: string;
  let upright: Box;
  let baseline = { rss: 0, heap: 0 };
  const bytes = new Map<string, Uint8Array>();
  const logs = new LogCapture();
  const rows: Row[] = [];

  const record = (row: Row) => rows.push(row);
  const collectionFor = (c: ImageCase) => ('error' in c.expect ? 'bad' : 'good');

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-bad-input-'));
    gateway = await startGateway(loadGatewayConfig(embeddedTestEnv(dataDir)), { logDestination: logs, notice: () => undefined });
    const initial = gateway.initialKey;
    assert.ok(initial);
    key = initial;
    auth = { authorization: `Bearer ${initial.accessKeyId}:${initial.secretAccessKey}` };
    sdk = new R.RekognitionClient({ endpoint: gateway.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: initial.accessKeyId, secretAccessKey: initial.secretAccessKey } });
    albums = new AlbumsClient(gateway.url, `${initial.accessKeyId}:${initial.secretAccessKey}`);
    for (const id of ['good', 'bad']) await sdk.send(new R.CreateCollectionCommand({ CollectionId: id }));
    album = await albums.createAlbum('bad input');
    face = await uprightFace();
    faceBase64 = face.toString('base64');
    for (const c of IMAGE_CASES) bytes.set(c.name, await c.make());
    const detected = await sdk.send(new R.DetectFacesCommand({ Image: { Bytes: face } }));
    assert.equal(detected.FaceDetails?.length, 1, 'the known face is found in the upright photo');
    upright = detected.FaceDetails![0].BoundingBox!;
    baseline = memory();
  });

  after(async () => {
    await gateway?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('AWS JSON: every image case through DetectFaces, IndexFaces, SearchFacesByImage and CompareFaces', async (t) => {
    for (const c of IMAGE_CASES) {
      const image: R.Image = { Bytes: bytes.get(c.name)! };
      const expectedOf = (operation: string) => expectedImageOutcome(c, operation);
      const detect = await awsOutcome(() => sdk.send(new R.DetectFacesCommand({ Image: image })));
      record({ case: c.name, api: 'aws', operation: 'DetectFaces', expected: expectedOf('DetectFaces'), got: describeAws(detect, (o) => facesOutcome(o.FaceDetails as R.FaceDetail[], c, o.OrientationCorrection)) });
      const index = await awsOutcome(() => sdk.send(new R.IndexFacesCommand({ CollectionId: collectionFor(c), Image: image, ExternalImageId: slug(c.name) })));
      record({ case: c.name, api: 'aws', operation: 'IndexFaces', expected: expectedOf('IndexFaces'), got: describeAws(index, (o) => `ok faces=${(o.FaceRecords as unknown[]).length + (o.UnindexedFaces as unknown[]).length}`) });
      const search = await awsOutcome(() => sdk.send(new R.SearchFacesByImageCommand({ CollectionId: 'good', Image: image })));
      record({ case: c.name, api: 'aws', operation: 'SearchFacesByImage', expected: expectedOf('SearchFacesByImage'), got: describeAws(search, (o) => searchedOutcome(o.SearchedFaceBoundingBox as Box | undefined, c)) });
      const compare = await awsOutcome(() => sdk.send(new R.CompareFacesCommand({ SourceImage: image, TargetImage: { Bytes: face } })));
      record({ case: c.name, api: 'aws', operation: 'CompareFaces', expected: expectedOf('CompareFaces'), got: describeAws(compare, (o) => compareOutcome(o as R.CompareFacesResponse, c)) });
    }
    assertRows(t, rows.filter((r) => r.api === 'aws'));
  });

  test('REST: every image case through detect-faces, index-faces and search-faces', async (t) => {
    for (const c of IMAGE_CASES) {
      const file = bytes.get(c.name)!;
      const detect = await restUpload('/detect-faces', c.file, file);
      record({ case: c.name, api: 'rest', operation: 'detect-faces', expected: expectedImageOutcome(c, 'DetectFaces'), got: await describeRest(detect, (b) => facesOutcome(b.FaceDetails as R.FaceDetail[], c, b.OrientationCorrection)) });
      const index = await restUpload(`/collections/${collectionFor(c)}/index-faces`, c.file, file, { external_image_id: slug(`rest-${c.name}`) });
      record({ case: c.name, api: 'rest', operation: 'index-faces', expected: expectedImageOutcome(c, 'IndexFaces'), got: await describeRest(index, (b) => `ok faces=${(b.FaceRecords as unknown[]).length + (b.UnindexedFaces as unknown[]).length}`) });
      const search = await restUpload('/collections/good/search-faces', c.file, file);
      record({ case: c.name, api: 'rest', operation: 'search-faces', expected: expectedImageOutcome(c, 'SearchFacesByImage'), got: await describeRest(search, (b) => searchedOutcome(b.SearchedFaceBoundingBox as Box | undefined, c)) });
    }
    assertRows(t, rows.filter((r) => r.api === 'rest'));
  });

  test('album upload: refused files leave nothing; stored ones end indexed or failed with the reason', async (t) => {
    const files = IMAGE_CASES.map((c) => ({ name: c.file, bytes: bytes.get(c.name)! }));
    const result = await albums.upload(album.albumId, files);
    const rejected = new Map(result.rejected.map((r) => [r.name, r.code]));
    const accepted = new Map(result.accepted.map((p) => [p.name, p]));
    await albums.waitDone(album.albumId, ALBUM_CEILING_MS);
    const photos = new Map((await albums.allPhotos(album.albumId)).map((p) => [p.name, p]));
    for (const c of IMAGE_CASES) {
      const expected = 'rejected' in c.album ? `rejected ${c.album.rejected}` : 'indexed' in c.album ? `indexed faces=${c.album.indexed}` : `failed ${c.album.failed}`;
      const photo = photos.get(c.file);
      let got = rejected.has(c.file) ? `rejected ${rejected.get(c.file)}` : accepted.has(c.file) ? albumOutcome(photo) : 'missing from the answer';
      if (rejected.has(c.file) && photo) got += ' (but a row exists)';
      record({ case: c.name, api: 'album', operation: 'upload', expected, got });
    }
    assertRows(t, rows.filter((r) => r.api === 'album'));
    assert.equal(photos.size, result.accepted.length, 'a refused file leaves no image row');
  });

  test('AWS JSON protocol-level cases answer the right error in the {"__type","Message"} shape', async (t) => {
    const protocolRows: Row[] = [];
    for (const c of AWS_CASES) {
      const body = typeof c.body === 'string' ? c.body : c.body(faceBase64);
      const res = await signedFetch({ url: gateway.url, target: `RekognitionService.${c.operation}`, body, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
      protocolRows.push({ case: c.name, api: 'aws-protocol', operation: c.operation, expected: c.expect === 'ok' ? '200' : `${c.expect}/400`, got: await awsWireOutcome(res, c.mentions) });
    }
    rows.push(...protocolRows);
    assertRows(t, protocolRows);
  });

  test('REST protocol-level cases: forms without a file or with ten, bad fields, traversal in names', async (t) => {
    const cases: { name: string; send: () => Promise<Response>; expect: ErrorName | 'ok' }[] = [
      { name: 'multipart body with no file', send: () => restForm('/detect-faces', (f) => f.append('attributes', 'ALL')), expect: 'InvalidParameterException' },
      { name: 'ten files where one is expected', send: () => restForm('/detect-faces', (f) => { for (let i = 0; i < 10; i++) f.append('file', new Blob([face]), `f${i}.jpg`); }), expect: 'InvalidParameterException' },
      { name: 'file under another field name', send: () => restForm('/detect-faces', (f) => f.append('image', new Blob([face]), 'face.jpg')), expect: 'InvalidParameterException' },
      { name: 'JSON body instead of multipart', send: () => fetch(`${gateway.url}/api/v1/detect-faces`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ file: faceBase64 }) }), expect: 'InvalidParameterException' },
      { name: 'multipart with a broken body', send: () => fetch(`${gateway.url}/api/v1/detect-faces`, { method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=XyZ' }, body: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8 no end' }), expect: 'InvalidParameterException' },
      { name: 'multipart without a boundary', send: () => fetch(`${gateway.url}/api/v1/detect-faces`, { method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data' }, body: 'x' }), expect: 'InvalidParameterException' },
      { name: 'path traversal in the file name is just a name', send: () => restForm('/detect-faces', (f) => f.append('file', new Blob([face]), '../../../../etc/passwd')), expect: 'ok' },
      { name: 'path traversal in external_image_id', send: () => restForm('/collections/bad/index-faces', (f) => { f.append('file', new Blob([face]), 'face.jpg'); f.append('external_image_id', '../../etc/passwd'); }), expect: 'InvalidParameterException' },
      { name: 'path traversal in the collection id', send: () => restForm('/collections/..%2F..%2Fetc/index-faces', (f) => f.append('file', new Blob([face]), 'face.jpg')), expect: 'InvalidParameterException' },
      { name: 'max_faces 0', send: () => restForm('/collections/good/search-faces', (f) => { f.append('file', new Blob([face]), 'face.jpg'); f.append('max_faces', '0'); }), expect: 'InvalidParameterException' },
      { name: 'max_faces 5000', send: () => restForm('/collections/good/search-faces', (f) => { f.append('file', new Blob([face]), 'face.jpg'); f.append('max_faces', '5000'); }), expect: 'InvalidParameterException' },
      { name: 'max_faces not a number', send: () => restForm('/collections/good/search-faces', (f) => { f.append('file', new Blob([face]), 'face.jpg'); f.append('max_faces', 'ten'); }), expect: 'InvalidParameterException' },
      { name: 'similarity_threshold -1', send: () => restForm('/collections/good/search-faces', (f) => { f.append('file', new Blob([face]), 'face.jpg'); f.append('similarity_threshold', '-1'); }), expect: 'InvalidParameterException' },
      { name: 'similarity_threshold 101', send: () => restForm('/collections/good/search-faces', (f) => { f.append('file', new Blob([face]), 'face.jpg'); f.append('similarity_threshold', '101'); }), expect: 'InvalidParameterException' },
      { name: 'malformed JSON body', send: () => fetch(`${gateway.url}/api/v1/collections`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"collection_id": ' }), expect: 'SerializationException' },
      { name: 'wrong type: collection_id is a number', send: () => fetch(`${gateway.url}/api/v1/collections`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"collection_id": 7}' }), expect: 'InvalidParameterException' },
    ];
    const restRows: Row[] = [];
    for (const c of cases) {
      const res = await c.send();
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      const got = res.status === 200 ? '200' : `${String(body.code)}/${res.status}`;
      restRows.push({ case: c.name, api: 'rest-protocol', operation: '', expected: c.expect === 'ok' ? '200' : `${c.expect}/${REST_STATUS[c.expect]}`, got });
    }
    rows.push(...restRows);
    assertRows(t, restRows);
  });

  test('album upload protocol cases: no file, not multipart, traversal in file names', async () => {
    const empty = new FormData();
    empty.append('note', 'no files here');
    const none = await fetch(`${gateway.url}/api/v1/albums/${album.albumId}/photos`, { method: 'POST', headers: auth, body: empty });
    const noneBody = (await none.json()) as { code?: string };
    assert.equal(none.status, 400, JSON.stringify(noneBody));
    assert.equal(noneBody.code, 'InvalidParameterException');
    const json = await fetch(`${gateway.url}/api/v1/albums/${album.albumId}/photos`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as { code: string }).code, 'InvalidParameterException');
    const before = await blobFiles();
    const traversal = await albums.upload(album.albumId, [{ name: '../../../../tmp/evil.jpg', bytes: face }, { name: '..\\..\\windows.jpg', bytes: face }]);
    assert.equal(traversal.accepted.length, 2);
    const added = (await blobFiles()).filter((f) => !before.includes(f));
    assert.equal(added.length, 2);
    for (const f of added) assert.match(f, new RegExp(`^albums/${key.tenantId}/${album.albumId}/[0-9a-f-]{36}`), 'blob keys come from ids, never from the client\'s name');
    await albums.waitDone(album.albumId, ALBUM_CEILING_MS);
  });

  test('long headers: 8 KB values reach the routes; 64 KB is refused with 431 and the server stays up', async () => {
    const longTarget = await signedFetch({ url: gateway.url, target: `RekognitionService.${'A'.repeat(LONG_HEADER_BYTES)}`, body: '{}', accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    assert.equal(await awsWireOutcome(longTarget), 'UnknownOperationException/400');
    const extra = await signedFetch({ url: gateway.url, target: 'RekognitionService.ListCollections', body: '{}', accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, unsignedHeaders: { 'x-padding': 'p'.repeat(LONG_HEADER_BYTES) } });
    assert.equal(await awsWireOutcome(extra), '200');
    const longBearer = await fetch(`${gateway.url}/api/v1/collections`, { headers: { authorization: `Bearer ${'k'.repeat(LONG_HEADER_BYTES)}:${'s'.repeat(40)}` } });
    assert.equal(longBearer.status, 401);
    assert.equal(((await longBearer.json()) as { code: string }).code, 'IncompleteSignatureException', 'a malformed bearer is refused before any key lookup');
    for (const url of [`${gateway.url}/`, `${gateway.url}/api/v1/detect-faces`]) {
      const huge = await streamUpload({ url, headers: { ...auth, 'x-huge': 'h'.repeat(HUGE_HEADER_BYTES) }, prefix: Buffer.from('{}'), fillerBytes: 0 });
      assert.ok(huge.status === 431 || huge.status === undefined, `64 KB of headers: ${huge.status} ${huge.error ?? ''}`);
    }
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
  });

  test('1 GB uploads are cut off (ImageTooLargeException) without filling memory or disk', async (t) => {
    const boundary = 'facerecBadInputBoundary';
    const part = (field: string, name: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`);
    const end = Buffer.from(`\r\n--${boundary}--\r\n`);
    const multipart = { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` };
    const signed = { authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/20260101/us-east-1/rekognition/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`, 'x-amz-date': '20260101T000000Z' };
    const aws = { ...signed, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DetectFaces' };
    const uploads: { name: string; url: string; headers: Record<string, string>; prefix: Buffer; suffix: Buffer; declareLength: boolean; expectStatus: number; expectCode: string }[] = [
      { name: 'AWS DetectFaces, Content-Length 1 GB', url: `${gateway.url}/`, headers: aws, prefix: Buffer.from('{"Image":{"Bytes":"'), suffix: Buffer.from('"}}'), declareLength: true, expectStatus: 400, expectCode: 'ImageTooLargeException' },
      { name: 'AWS DetectFaces, chunked 1 GB', url: `${gateway.url}/`, headers: aws, prefix: Buffer.from('{"Image":{"Bytes":"'), suffix: Buffer.from('"}}'), declareLength: false, expectStatus: 400, expectCode: 'ImageTooLargeException' },
      { name: 'REST detect-faces, Content-Length 1 GB', url: `${gateway.url}/api/v1/detect-faces`, headers: multipart, prefix: part('file', 'huge.jpg'), suffix: end, declareLength: true, expectStatus: 413, expectCode: 'ImageTooLargeException' },
      { name: 'REST detect-faces, chunked 1 GB', url: `${gateway.url}/api/v1/detect-faces`, headers: multipart, prefix: part('file', 'huge.jpg'), suffix: end, declareLength: false, expectStatus: 413, expectCode: 'ImageTooLargeException' },
      { name: 'REST create-collection JSON, Content-Length 1 GB', url: `${gateway.url}/api/v1/collections`, headers: { ...auth, 'content-type': 'application/json' }, prefix: Buffer.from('{"collection_id":"'), suffix: Buffer.from('"}'), declareLength: true, expectStatus: 413, expectCode: 'ImageTooLargeException' },
      { name: 'album selfie search, chunked 1 GB', url: `${gateway.url}/api/v1/albums/${album.albumId}/search`, headers: multipart, prefix: part('file', 'selfie.jpg'), suffix: end, declareLength: false, expectStatus: 413, expectCode: 'ImageTooLargeException' },
      { name: 'album upload, Content-Length 1 GB', url: `${gateway.url}/api/v1/albums/${album.albumId}/photos`, headers: multipart, prefix: Buffer.concat([part('files', 'huge.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0])]), suffix: end, declareLength: true, expectStatus: 413, expectCode: 'ImageTooLargeException' },
      { name: 'album upload, chunked 1 GB', url: `${gateway.url}/api/v1/albums/${album.albumId}/photos`, headers: multipart, prefix: Buffer.concat([part('files', 'huge.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0])]), suffix: end, declareLength: false, expectStatus: 413, expectCode: 'ImageTooLargeException' },
    ];
    const photosBefore = (await albums.allPhotos(album.albumId)).length;
    const start = rss();
    let peak = start;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const failures: string[] = [];
    try {
      for (const u of uploads) {
        const result = await streamUpload({ url: u.url, headers: u.headers, prefix: u.prefix, fillerBytes: GB, suffix: u.suffix, declareLength: u.declareLength });
        const code = codeOf(result);
        t.diagnostic(`${u.name}: status ${result.status ?? 'none'} ${code} after ${(result.sentBytes / MB).toFixed(1)} MB sent${result.error ? ` (${result.error})` : ''}`);
        if (result.status !== u.expectStatus || code !== u.expectCode) failures.push(`${u.name}: expected ${u.expectStatus} ${u.expectCode}, got ${result.status ?? 'no answer'} ${code} ${result.error ?? ''}`);
        if (result.sentBytes > CUT_OFF_BYTES) failures.push(`${u.name}: the server read ${(result.sentBytes / MB).toFixed(0)} MB before answering`);
      }
    } finally {
      clearInterval(sampler);
    }
    t.diagnostic(`RSS before ${(start / MB).toFixed(0)} MB, peak during the uploads ${(peak / MB).toFixed(0)} MB`);
    assert.deepEqual(failures, []);
    assert.ok(peak - start < UPLOAD_RSS_SLACK, `RSS grew by ${((peak - start) / MB).toFixed(0)} MB during the 1 GB uploads`);
    assert.deepEqual(await readdir(path.join(dataDir, 'blobs', '.tmp')).catch(() => []), [], 'no temp file left in the blob store');
    assert.ok((await dirBytes(dataDir)) < 200 * MB, 'the data dir stays small');
    assert.equal((await albums.allPhotos(album.albumId)).length, photosBefore, 'no image row for the cut-off uploads');
  });

  test('afterwards: still up, RSS back near baseline, nothing partial in any store', async (t) => {
    const again = await sdk.send(new R.DetectFacesCommand({ Image: { Bytes: face } }));
    assert.equal(again.FaceDetails?.length, 1);
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    const now = memory();
    t.diagnostic(`RSS baseline ${(baseline.rss / MB).toFixed(0)} MB, after the corpus ${(now.rss / MB).toFixed(0)} MB; JS heap + Buffers ${(baseline.heap / MB).toFixed(0)} → ${(now.heap / MB).toFixed(0)} MB`);
    assert.ok(now.rss - baseline.rss < RSS_SLACK, `RSS grew by ${((now.rss - baseline.rss) / MB).toFixed(0)} MB`);
    assert.ok(now.heap - baseline.heap < HEAP_SLACK, `JS heap + Buffers grew by ${((now.heap - baseline.heap) / MB).toFixed(0)} MB`);

    const serverErrors = logs.records().filter((r) => typeof r.level === 'number' && r.level >= 50);
    assert.deepEqual(serverErrors.map((r) => r.msg), [], 'no request ended in a server fault');

    // Postgres (PGlite): no face row in the collection that only refused images were sent to.
    const bad = await gateway.repos.collections.get(key.tenantId, 'bad');
    const good = await gateway.repos.collections.get(key.tenantId, 'good');
    assert.equal(await gateway.repos.faces.count({ id: bad.id, tenantId: key.tenantId }), 0);
    const goodFaces = await gateway.repos.faces.count({ id: good.id, tenantId: key.tenantId });
    assert.ok(goodFaces > 0, 'the processed cases were indexed (the check above can fail)');
    // Album: a row per accepted photo only, faces only on indexed ones, a blob per row and no more.
    const photos = await albums.allPhotos(album.albumId);
    for (const p of photos.filter((x) => x.status === 'failed')) {
      const faces = await albums.call<{ faces: unknown[] }>('GET', `/albums/${album.albumId}/photos/${p.imageId}/faces`);
      assert.deepEqual(faces.faces, [], `failed photo ${p.name} has no faces`);
    }
    const blobs = (await blobFiles()).filter((f) => f.startsWith('albums/'));
    assert.deepEqual(blobs.map((f) => path.basename(f)).sort(), photos.map((p) => p.imageId).sort(), 'exactly one blob per accepted photo');
    const albumRecord = await gateway.repos.albums.get(key.tenantId, album.albumId);
    const albumCollection = await gateway.repos.collections.getByPk(key.tenantId, albumRecord.collectionPk);
    const albumFaces = photos.reduce((n, p) => n + (p.faceCount ?? 0), 0);

    // The vector index, read from its files once the gateway has flushed and closed.
    await gateway.close();
    const vectors = new LocalVectorIndex({ dataDir: path.join(dataDir, 'vectors') });
    try {
      const keyOf = (c: typeof bad) => vectorCollectionKey({ tenantId: c.tenantId, collectionPk: c.id, modelVersion: c.faceModelVersion });
      assert.equal(await vectors.count(keyOf(bad)), 0, 'no vector from a refused image');
      assert.equal(await vectors.count(keyOf(good)), goodFaces, 'one vector per stored face');
      assert.equal(await vectors.count(keyOf(albumCollection)), albumFaces, 'album vectors only for faces of indexed photos');
    } finally {
      await vectors.close();
    }
    t.diagnostic(`case table (${rows.length} rows):\n${rows.map((r) => `${r.api} | ${r.case} | ${r.operation} | ${r.expected} | ${r.got}`).join('\n')}`);
  });

  // ---- helpers that need the running gateway ----

  async function restUpload(route: string, name: string, file: Uint8Array, fields: Record<string, string> = {}): Promise<Response> {
    return restForm(route, (f) => {
      f.append('file', new Blob([new Uint8Array(file)], { type: 'application/octet-stream' }), name);
      for (const [k, v] of Object.entries(fields)) f.append(k, v);
    });
  }

  function restForm(route: string, fill: (form: FormData) => void): Promise<Response> {
    const form = new FormData();
    fill(form);
    return fetch(`${gateway.url}/api/v1${route}`, { method: 'POST', headers: auth, body: form });
  }

  async function blobFiles(): Promise<string[]> {
    const root = path.join(dataDir, 'blobs');
    if (!existsSync(root)) return [];
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
      .filter((f) => !f.startsWith('.'));
  }

  function facesOutcome(faces: R.FaceDetail[] | undefined, c: ImageCase, correction: unknown): string {
    const list = faces ?? [];
    let out = `ok faces=${list.length}`;
    if ('upright' in c.expect && c.expect.upright) {
      out += boxNear(list[0]?.BoundingBox, upright) ? ' upright' : ` box=${JSON.stringify(list[0]?.BoundingBox)}`;
      out += ` correction=${String(correction ?? 'none')}`;
    }
    return out;
  }

  function searchedOutcome(box: Box | undefined, c: ImageCase): string {
    if ('upright' in c.expect && c.expect.upright) return boxNear(box, upright) ? 'ok upright' : `ok box=${JSON.stringify(box)}`;
    return 'ok';
  }

  function compareOutcome(o: R.CompareFacesResponse, c: ImageCase): string {
    const best = o.FaceMatches?.[0];
    let out = `ok match=${o.FaceMatches?.length ?? 0}${best && (best.Similarity ?? 0) >= 80 ? '' : ' (below 80)'}`;
    if ('upright' in c.expect && c.expect.upright) out += boxNear(o.SourceImageFace?.BoundingBox, upright) ? ' upright' : ` box=${JSON.stringify(o.SourceImageFace?.BoundingBox)}`;
    return out;
  }
});

/** What every operation must answer for an image case, in the same words the outcome uses. */
function expectedImageOutcome(c: ImageCase, operation: string): string {
  const e = c.expect;
  if ('error' in e) return `${e.error}/400`;
  if (e.faces === 0 && (operation === 'SearchFacesByImage' || operation === 'CompareFaces')) return 'InvalidParameterException/400';
  const box = e.upright ? ' upright' : '';
  switch (operation) {
    case 'DetectFaces':
      return `ok faces=${e.faces}${box}${e.upright ? ` correction=${e.orientationCorrection ?? 'none'}` : ''}`;
    case 'IndexFaces':
      return `ok faces=${e.faces}`;
    case 'SearchFacesByImage':
      return `ok${box}`;
    default:
      return `ok match=1${box}`;
  }
}

function describeAws(outcome: { error: string } | { out: Record<string, unknown> }, ok: (out: Record<string, unknown>) => string): string {
  return 'error' in outcome ? outcome.error : ok(outcome.out);
}

/** REST answers in the AWS words: 4xx → "<code>/400" when the status is the one the name maps to. */
async function describeRest(res: Response, ok: (body: Record<string, unknown>) => string): Promise<string> {
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status === 200) return ok(body);
  const code = String(body.code) as ErrorName;
  return REST_STATUS[code] === res.status ? `${code}/400` : `${code}/${res.status} (REST status should be ${REST_STATUS[code] ?? '?'})`;
}

async function awsWireOutcome(res: Response, mentions?: string): Promise<string> {
  const text = await res.text();
  if (res.status === 200) return '200';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON (${res.status}): ${text.slice(0, 80)}`;
  }
  const keys = Object.keys(body as object).sort().join(',');
  const type = (body as { __type?: unknown }).__type;
  if (keys !== 'Message,__type') return `shape {${keys}} (${res.status})`;
  if (res.headers.get('x-amzn-errortype') !== type) return `x-amzn-ErrorType ${res.headers.get('x-amzn-errortype')} ≠ ${String(type)}`;
  const message = String((body as { Message?: unknown }).Message);
  if (mentions && !message.includes(mentions)) return `${String(type)}/${res.status} but the Message does not name ${mentions}: ${message}`;
  return `${String(type)}/${res.status}`;
}

function albumOutcome(photo: Photo | undefined): string {
  if (!photo) return 'accepted but no row';
  if (photo.status === 'indexed') return `indexed faces=${photo.faceCount ?? '?'}`;
  if (photo.status === 'failed') return `failed ${(photo.error ?? '').split(':')[0]}`;
  return photo.status;
}

function codeOf(result: StreamUploadResult): string {
  try {
    const body = JSON.parse(result.body) as { code?: string; __type?: string };
    return body.code ?? body.__type ?? '';
  } catch {
    return '';
  }
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}

function assertRows(t: TestContext, list: readonly Row[]): void {
  const wrong = list.filter((r) => r.got !== r.expected);
  t.diagnostic(`${list.length - wrong.length}/${list.length} as expected`);
  assert.deepEqual(wrong.map((r) => `${r.api} ${r.operation} "${r.case}": expected ${r.expected}, got ${r.got}`), []);
}
