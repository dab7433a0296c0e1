/**
 * Property-based fuzzing (fast-check) of the two parsers that take bytes from the network before
 * anything else looks at them: the AWS JSON 1.1 protocol on `POST /` (correctly signed, so the
 * body really reaches the JSON parser, the blob decoder and the service's validation) and the
 * multipart parsers (multer on the REST routes and the selfie searches, busboy on album uploads).
 *
 * The property: whatever arrives, the gateway answers with a success or a well-formed error
 * (AWS: `{"__type","Message"}` plus `x-amzn-ErrorType`; REST: `{"code","message","requestId"}`),
 * never a 5xx, and stays up. Shared by the CI test (a bounded number of runs) and
 * `facerec bench fuzz --runs N` (the long run).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { OPERATIONS } from '@facerec/service';
import { NodeSha256 } from '../../src/auth/sha256.js';
import { FACES_DEV } from '../albums-client.js';
import { restCall, startSecurityStack, type SecurityStack } from './stack.js';

export interface FuzzTarget {
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  collectionId: string;
  albumId: string;
  shareToken: string;
}

export interface FuzzOptions {
  runs: number;
  seed?: number;
}

export interface FuzzStats {
  property: string;
  runs: number;
  seed: number;
  /** Responses by HTTP status and error name. */
  outcomes: Record<string, number>;
  wallMs: number;
}

/** The embedded gateway with storefront limits lifted (so the storefront's parser is reached). */
export async function startFuzzStack(): Promise<{ stack: SecurityStack; target: FuzzTarget }> {
  const stack = await startSecurityStack({
    LOG_LEVEL: 'warn',
    PUBLIC_SEARCHES_PER_IP_PER_MINUTE: '1000000',
    PUBLIC_SEARCHES_PER_ALBUM_PER_MINUTE: '1000000',
  });
  const auth = stack.a.authorization;
  assert.equal((await restCall(stack.url, auth, 'post', '/api/v1/collections', { collection_id: 'fuzz' })).status, 201);
  const album = (await restCall(stack.url, auth, 'post', '/api/v1/albums', { name: 'Fuzz' })).body as { albumId: string; shareToken: string };
  assert.equal((await restCall(stack.url, auth, 'patch', `/api/v1/albums/${album.albumId}`, { selfieSearch: true })).status, 200);
  return {
    stack,
    target: { url: stack.url, accessKeyId: stack.a.accessKeyId, secretAccessKey: stack.a.secretAccessKey, collectionId: 'fuzz', albumId: album.albumId, shareToken: album.shareToken },
  };
}

let jpeg: Buffer | undefined;
/** A real face photo (the one valid image in the mix), read once. */
function validJpeg(): Buffer {
  jpeg ??= readFileSync(path.join(FACES_DEV, 'barack_obama', '1.jpg'));
  return jpeg;
}

// ---------- AWS JSON protocol ----------

const MEMBERS = [
  'CollectionId', 'Image', 'SourceImage', 'TargetImage', 'FaceId', 'FaceIds', 'UserId', 'MaxFaces', 'MaxResults',
  'MaxUsers', 'NextToken', 'FaceMatchThreshold', 'SimilarityThreshold', 'UserMatchThreshold', 'QualityFilter',
  'Attributes', 'DetectionAttributes', 'ExternalImageId', 'ClientRequestToken', 'Tags', 'S3Object', 'Bytes',
] as const;

function jsonValue(): fc.Arbitrary<unknown> {
  const scalar = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.stringMatching(/^[a-zA-Z0-9_.:-]{1,300}$/),
    fc.constantFrom('fuzz', 'ALL', 'DEFAULT', 'NONE', 'AUTO', 'HIGH', '00000000-0000-0000-0000-000000000000', '', '../../etc/passwd'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('base64')),
    fc.string({ maxLength: 64 }),
    fc.constant(validJpeg().toString('base64')),
    fc.constant(validJpeg().subarray(0, 4000).toString('base64')),
    scalar,
  );
  const image = fc.oneof(
    fc.record({ Bytes: bytes }),
    fc.record({ S3Object: fc.record({ Bucket: scalar, Name: scalar, Version: scalar }, { requiredKeys: [] }) }),
    fc.record({ Bytes: bytes, S3Object: fc.record({ Bucket: scalar, Name: scalar }) }),
  );
  return fc.oneof(
    { arbitrary: scalar, weight: 4 },
    { arbitrary: image, weight: 3 },
    { arbitrary: fc.array(scalar, { maxLength: 6 }), weight: 2 },
    { arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), scalar, { maxKeys: 4 }), weight: 1 },
  );
}

/** Bodies from well-typed-looking requests to plain garbage. */
function awsBody(): fc.Arbitrary<Buffer> {
  const structured = fc.dictionary(fc.constantFrom(...MEMBERS), jsonValue(), { maxKeys: 6 }).map((o) => JSON.stringify(o));
  const deep = fc.integer({ min: 1, max: 5000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
  return fc
    .oneof(
      { arbitrary: structured, weight: 6 },
      { arbitrary: fc.json({ maxDepth: 3 }), weight: 2 },
      { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
      { arbitrary: deep, weight: 1 },
      { arbitrary: fc.constantFrom('', '{', '[]', 'null', '"x"', '{"CollectionId":', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}'), weight: 1 },
    )
    .map((text) => Buffer.from(text, 'utf8'))
    .chain((b) => fc.oneof({ arbitrary: fc.constant(b), weight: 9 }, { arbitrary: fc.uint8Array({ maxLength: 300 }).map((r) => Buffer.from(r)), weight: 1 }));
}

function awsTarget(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...OPERATIONS).map((op) => `RekognitionService.${op}`), weight: 8 },
    { arbitrary: fc.stringMatching(/^[\x21-\x7e]{0,60}$/), weight: 1 },
    { arbitrary: fc.constantFrom('RekognitionService.', 'RekognitionService.constructor', 'RekognitionService.__proto__', 'RekognitionService.toString'), weight: 1 },
  );
}

async function signedPost(target: FuzzTarget, xAmzTarget: string, body: Buffer): Promise<Response> {
  const { hostname, port, host } = new URL(target.url);
  const request = new HttpRequest({
    method: 'POST', protocol: 'http:', hostname, port: Number(port), path: '/', body,
    headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': xAmzTarget },
  });
  const signer = new SignatureV4({ credentials: target, region: 'us-east-1', service: 'rekognition', sha256: NodeSha256 });
  const signed = await signer.sign(request);
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return fetch(`${target.url}/`, { method: 'POST', headers, body });
}

async function checkAwsAnswer(res: Response, outcomes: Record<string, number>): Promise<void> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
  assert.ok(res.status < 500, `a server fault: ${res.status} ${text.slice(0, 300)}`);
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), 'a JSON object');
  if (res.status === 200) {
    count(outcomes, '200');
    return;
  }
  const { __type: type, Message: message } = body as { __type?: unknown; Message?: unknown };
  assert.equal(res.status, 400, text);
  assert.ok(typeof type === 'string' && /^[A-Z][A-Za-z]+(Exception|Error)$/.test(type), `a Rekognition error name: ${text.slice(0, 200)}`);
  assert.equal(typeof message, 'string');
  assert.equal(res.headers.get('x-amzn-errortype'), type);
  count(outcomes, `400 ${type}`);
}

export async function fuzzAwsJson(target: FuzzTarget, options: FuzzOptions): Promise<FuzzStats> {
  const outcomes: Record<string, number> = {};
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(awsTarget(), awsBody(), async (xAmzTarget, body) => {
      await checkAwsAnswer(await signedPost(target, xAmzTarget, body), outcomes);
    }),
    { numRuns: options.runs, seed, endOnFailure: false },
  );
  return { property: 'aws-json', runs: options.runs, seed, outcomes, wallMs: Math.round(performance.now() - started) };
}

// ---------- multipart ----------

interface Part {
  kind: 'file' | 'field';
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  content: Uint8Array;
}

const FIELD_NAMES = ['file', 'files', 'files[]', 'source', 'target', 'external_image_id', 'similarity_threshold', 'max_faces', 'max_users', 'quality_filter', 'attributes', 'detection_attributes', 'threshold', 'limit', 'nextToken'];

function partContent(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 1024 }), weight: 4 },
    { arbitrary: fc.string({ maxLength: 64 }).map((s) => new TextEncoder().encode(s)), weight: 3 },
    { arbitrary: fc.constant(new Uint8Array(validJpeg())), weight: 1 },
    { arbitrary: fc.nat({ max: 20_000 }).map((n) => new Uint8Array(validJpeg().subarray(0, n))), weight: 2 },
    { arbitrary: fc.constant(new Uint8Array([0xff, 0xd8, 0xff])), weight: 1 },
  );
}

function fileName(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('selfie.jpg', '../../etc/passwd', '..\\..\\boot.ini', '/abs/path.jpg', '%2e%2e%2fx.jpg', '', 'a\u0000b.jpg', 'CON', `${'x'.repeat(2000)}.jpg`),
    fc.string({ maxLength: 40 }),
  );
}

function contentType(): fc.Arbitrary<string | undefined> {
  return fc.oneof(fc.constant(undefined), fc.constantFrom('image/jpeg', 'image/png', 'text/plain', 'application/octet-stream', 'multipart/mixed; boundary=x'), fc.string({ maxLength: 30 }));
}

/** Any part: file or field, any name. */
function part(): fc.Arbitrary<Part> {
  return fc.record({
    kind: fc.constantFrom('file', 'field'),
    name: fc.oneof({ arbitrary: fc.constantFrom(...FIELD_NAMES), weight: 5 }, { arbitrary: fc.string({ maxLength: 20 }), weight: 1 }),
    filename: fileName(),
    contentType: contentType(),
    content: partContent(),
  });
}

/** A field part with a value a form would send: numbers, enum words, ids, junk. */
function fieldPart(): fc.Arbitrary<Part> {
  const value = fc.oneof(
    fc.constantFrom('80', '0', '-1', '101', '1e309', 'NaN', '4096', '5000', 'ALL', 'DEFAULT', 'NONE', 'AUTO', 'HIGH', 'obama-1', '../x', ''),
    fc.integer().map(String),
    fc.double().map(String),
    fc.string({ maxLength: 80 }),
  );
  return fc.record({
    kind: fc.constant<'field'>('field'),
    name: fc.constantFrom(...FIELD_NAMES.filter((n) => !['file', 'files', 'files[]', 'source', 'target'].includes(n))),
    filename: fc.constant(undefined),
    contentType: fc.constant(undefined),
    content: value.map((v) => new TextEncoder().encode(v)),
  });
}

/** The form a route expects (its file parts under the right names, a few fields) with fuzzed contents. */
function plausibleParts(fileFields: readonly string[]): fc.Arbitrary<Part[]> {
  const files = fileFields.map((name) => fc.record({ kind: fc.constant<'file'>('file'), name: fc.constant(name), filename: fileName(), contentType: contentType(), content: partContent() }));
  return fc.tuple(fc.tuple(...files), fc.array(fieldPart(), { maxLength: 3 }), fc.array(part(), { maxLength: 1 })).map(([f, fields, extra]) => [...f, ...fields, ...extra]);
}

type Corruption = 'none' | 'truncate' | 'wrong-boundary' | 'no-closing' | 'garbage-headers' | 'no-content-type' | 'lf-only';

function multipartBody(parts: readonly Part[], boundary: string, corruption: Corruption, cut: number): { body: Buffer; contentType: string | undefined } {
  const chunks: Buffer[] = [];
  const nl = corruption === 'lf-only' ? '\n' : '\r\n';
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.kind === 'file' || p.filename !== undefined ? `; filename="${p.filename ?? 'blob'}"` : ''}`;
    const headers = [`Content-Disposition: ${disposition}`, ...(p.contentType !== undefined ? [`Content-Type: ${p.contentType}`] : [])];
    if (corruption === 'garbage-headers') headers.push('X-Garbage: \u00ff\u0001', 'NoColonHere');
    chunks.push(Buffer.from(`--${boundary}${nl}${headers.join(nl)}${nl}${nl}`, 'latin1'), Buffer.from(p.content), Buffer.from(nl));
  }
  if (corruption !== 'no-closing') chunks.push(Buffer.from(`--${boundary}--${nl}`));
  let body = Buffer.concat(chunks);
  if (corruption === 'truncate') body = body.subarray(0, body.length === 0 ? 0 : cut % body.length);
  const declared = corruption === 'wrong-boundary' ? `${boundary}X` : boundary;
  return { body, contentType: corruption === 'no-content-type' ? undefined : `multipart/form-data; boundary=${declared}` };
}

/** Each multipart route with the file fields its form has. */
function multipartRoutes(target: FuzzTarget): { route: string; files: string[] }[] {
  return [
    { route: '/api/v1/detect-faces', files: ['file'] },
    { route: '/api/v1/compare-faces', files: ['source', 'target'] },
    { route: `/api/v1/collections/${target.collectionId}/index-faces`, files: ['file'] },
    { route: `/api/v1/collections/${target.collectionId}/search-faces`, files: ['file'] },
    { route: `/api/v1/collections/${target.collectionId}/search-users`, files: ['file'] },
    { route: `/api/v1/albums/${target.albumId}/photos`, files: ['files', 'files'] },
    { route: `/api/v1/albums/${target.albumId}/search`, files: ['file'] },
    { route: `/api/v1/public/albums/${target.shareToken}/search`, files: ['file'] },
  ];
}

async function checkRestAnswer(res: Response, outcomes: Record<string, number>): Promise<void> {
  const text = await res.text();
  assert.ok(res.status < 500, `a server fault: ${res.status} ${text.slice(0, 300)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), 'a JSON object');
  if (res.ok) {
    count(outcomes, String(res.status));
    return;
  }
  const { code, message, requestId } = body as Record<string, unknown>;
  assert.ok(typeof code === 'string' && /^[A-Z][A-Za-z]+(Exception|Error)$/.test(code), `an error name: ${text.slice(0, 200)}`);
  assert.equal(typeof message, 'string');
  assert.equal(typeof requestId, 'string');
  count(outcomes, `${res.status} ${code}`);
}

export async function fuzzMultipart(target: FuzzTarget, options: FuzzOptions): Promise<FuzzStats> {
  const outcomes: Record<string, number> = {};
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const started = performance.now();
  const authorization = `Bearer ${target.accessKeyId}:${target.secretAccessKey}`;
  const request = fc.constantFrom(...multipartRoutes(target)).chain((spec) => fc.record({
    route: fc.constant(spec.route),
    parts: fc.oneof({ arbitrary: plausibleParts(spec.files), weight: 3 }, { arbitrary: fc.array(part(), { maxLength: 6 }), weight: 1 }),
    boundary: fc.oneof(fc.constant('----facerecFuzzBoundary'), fc.stringMatching(/^[A-Za-z0-9'()+_,.\/:=?-]{1,70}$/)),
    corruption: fc.oneof({ arbitrary: fc.constant<Corruption>('none'), weight: 6 }, { arbitrary: fc.constantFrom<Corruption>('truncate', 'wrong-boundary', 'no-closing', 'garbage-headers', 'no-content-type', 'lf-only'), weight: 3 }),
    cut: fc.nat(),
  }));
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const { body, contentType } = multipartBody(r.parts, r.boundary, r.corruption, r.cut);
      const headers: Record<string, string> = { authorization };
      if (contentType) headers['content-type'] = contentType;
      const res = await fetch(`${target.url}${r.route}`, { method: 'POST', headers, body });
      await checkRestAnswer(res, outcomes);
    }),
    { numRuns: options.runs, seed, endOnFailure: false },
  );
  return { property: 'multipart', runs: options.runs, seed, outcomes, wallMs: Math.round(performance.now() - started) };
}

/** After fuzzing: the process is up and still serves a normal request. */
export async function assertStillServing(target: FuzzTarget): Promise<void> {
  assert.equal((await fetch(`${target.url}/healthz`)).status, 200);
  const listed = await restCall(target.url, `Bearer ${target.accessKeyId}:${target.secretAccessKey}`, 'get', '/api/v1/collections');
  assert.equal(listed.status, 200);
}

function count(outcomes: Record<string, number>, key: string): void {
  outcomes[key] = (outcomes[key] ?? 0) + 1;
}
