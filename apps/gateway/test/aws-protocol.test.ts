import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '@aws-sdk/client-rekognition';
import { FacerecError, type ErrorKind } from '@facerec/core';
import { CollectionAlreadyExistsError, CollectionNotFoundError, DatabaseUnavailableError, InvalidPaginationTokenError, UserAlreadyExistsError, UserFaceLimitExceededError } from '@facerec/db';
import { startHarness, type Harness } from './harness.js';
import { signedFetch } from './signing.js';

function client(h: Harness, overrides: Partial<R.RekognitionClientConfig> = {}): R.RekognitionClient {
  return new R.RekognitionClient({
    endpoint: h.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey },
    maxAttempts: 1,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<R.RekognitionServiceException> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof R.RekognitionServiceException, `expected a Rekognition exception, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('AWS JSON 1.1 protocol with the real SDK client', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('a signed CreateCollection reaches the service as the key\'s tenant', async () => {
    h.fake.respond('CreateCollection', { StatusCode: 200, CollectionArn: 'aws:rekognition:local:collection/c1', FaceModelVersion: 'v1' });
    const out = await client(h).send(new R.CreateCollectionCommand({ CollectionId: 'c1' }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.CollectionArn, 'aws:rekognition:local:collection/c1');
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.match(out.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    const call = h.fake.lastCall();
    assert.equal(call.operation, 'CreateCollection');
    assert.deepEqual(call.caller, { tenantId: h.tenantId });
    assert.deepEqual(call.request, { CollectionId: 'c1' });
  });

  test('timestamps travel as epoch seconds and come back as Dates', async () => {
    const created = new Date('2024-05-06T07:08:09.500Z');
    h.fake.respond('DescribeCollection', { FaceCount: 3, UserCount: 1, FaceModelVersion: 'v1', CollectionARN: 'arn', CreationTimestamp: created });
    const out = await client(h).send(new R.DescribeCollectionCommand({ CollectionId: 'c1' }));
    assert.ok(out.CreationTimestamp instanceof Date);
    assert.equal(out.CreationTimestamp.getTime(), created.getTime());
    assert.equal(out.FaceCount, 3);
  });

  test('Image.Bytes, SourceImage.Bytes and TargetImage.Bytes arrive decoded', async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x01, 0x02, 0xfe]);
    await client(h).send(new R.DetectFacesCommand({ Image: { Bytes: bytes }, Attributes: ['ALL'] }));
    const detect = h.fake.lastCall().request;
    assert.deepEqual(detect.Attributes, ['ALL']);
    assert.deepEqual(new Uint8Array((detect.Image as { Bytes: Uint8Array }).Bytes), bytes);
    await client(h).send(new R.CompareFacesCommand({ SourceImage: { Bytes: bytes }, TargetImage: { Bytes: bytes.slice(1) } }));
    const compare = h.fake.lastCall().request as { SourceImage: { Bytes: Uint8Array }; TargetImage: { Bytes: Uint8Array } };
    assert.deepEqual(new Uint8Array(compare.SourceImage.Bytes), bytes);
    assert.deepEqual(new Uint8Array(compare.TargetImage.Bytes), bytes.slice(1));
  });

  test('any region in the credential scope is accepted by default', async () => {
    await client(h, { region: 'ap-southeast-2' }).send(new R.ListCollectionsCommand({}));
    assert.equal(h.fake.lastCall().operation, 'ListCollections');
  });

  test('a wrong secret is refused with InvalidSignatureException before the service is called', async () => {
    const calls = h.fake.calls.length;
    const bad = client(h, { credentials: { accessKeyId: h.key.accessKeyId, secretAccessKey: 'x'.repeat(40) } });
    const error = await rejection(bad.send(new R.ListCollectionsCommand({})));
    assert.equal(error.name, 'InvalidSignatureException');
    assert.equal(error.$metadata.httpStatusCode, 400);
    assert.equal(h.fake.calls.length, calls);
  });

  test('an unknown access key is refused with UnrecognizedClientException', async () => {
    const bad = client(h, { credentials: { accessKeyId: 'FRKAAAAAAAAAAAAAAAAA', secretAccessKey: h.key.secretAccessKey } });
    const error = await rejection(bad.send(new R.ListCollectionsCommand({})));
    assert.equal(error.name, 'UnrecognizedClientException');
  });

  test('a revoked key is refused', async () => {
    const extra = await h.repos.apiKeys.create(h.tenantId, 'to-revoke');
    const revokedClient = client(h, { credentials: { accessKeyId: extra.accessKeyId, secretAccessKey: extra.secretAccessKey } });
    await revokedClient.send(new R.ListCollectionsCommand({}));
    await h.repos.apiKeys.revoke(h.tenantId, extra.accessKeyId);
    const error = await rejection(revokedClient.send(new R.ListCollectionsCommand({})));
    assert.equal(error.name, 'UnrecognizedClientException');
  });

  test('a clock skewed beyond the window is refused', async () => {
    const skewed = client(h, { systemClockOffset: -10 * 60 * 1000 });
    const error = await rejection(skewed.send(new R.ListCollectionsCommand({})));
    assert.equal(error.name, 'InvalidSignatureException');
    assert.match(error.message, /expired/);
    const ahead = client(h, { systemClockOffset: 10 * 60 * 1000 });
    assert.equal((await rejection(ahead.send(new R.ListCollectionsCommand({})))).name, 'InvalidSignatureException');
  });

  test('a skew inside the window is accepted', async () => {
    await client(h, { systemClockOffset: -60 * 1000 }).send(new R.ListCollectionsCommand({}));
  });

  test('a body changed after signing is refused', async () => {
    const calls = h.fake.calls.length;
    const signed = { url: h.url, target: 'RekognitionService.CreateCollection', accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey };
    const good = await signedFetch({ ...signed, body: '{"CollectionId":"aa"}' });
    assert.equal(good.status, 200);
    const tampered = await signedFetch({ ...signed, body: '{"CollectionId":"aa"}', sentBody: '{"CollectionId":"bb"}' });
    assert.equal(tampered.status, 400);
    assert.equal(tampered.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    assert.equal(((await tampered.json()) as { __type: string }).__type, 'InvalidSignatureException');
    assert.equal(h.fake.calls.length, calls + 1);
  });

  test('a declared payload hash that does not match the body is refused', async () => {
    const response = await signedFetch({
      url: h.url, target: 'RekognitionService.ListCollections', accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey,
      body: '{}', unsignedHeaders: { 'x-amz-content-sha256': '0'.repeat(64) },
    });
    assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
  });

  test('a signature for another service is refused', async () => {
    const response = await signedFetch({
      url: h.url, target: 'RekognitionService.ListCollections', accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey,
      body: '{}', service: 's3',
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { __type: string; Message: string };
    assert.equal(body.__type, 'InvalidSignatureException');
    assert.match(body.Message, /rekognition/);
  });

  test('a request without Authorization is refused with MissingAuthenticationTokenException', async () => {
    const response = await fetch(`${h.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.ListCollections' },
      body: '{}',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    assert.match(response.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('malformed JSON answers SerializationException in the Rekognition error shape', async () => {
    const response = await signedFetch({
      url: h.url, target: 'RekognitionService.ListCollections', accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey, body: '{"MaxResults": ',
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/x-amz-json-1.1; charset=utf-8');
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['Message', '__type']);
    assert.equal(body.__type, 'SerializationException');
  });

  test('an unknown X-Amz-Target answers UnknownOperationException', async () => {
    const response = await signedFetch({
      url: h.url, target: 'RekognitionService.DetectLabels', accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey, body: '{}',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { __type: string }).__type, 'UnknownOperationException');
  });

  test('invalid base64 in Image.Bytes answers InvalidParameterException', async () => {
    const response = await signedFetch({
      url: h.url, target: 'RekognitionService.DetectFaces', accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey,
      body: '{"Image":{"Bytes":"not base64!"}}',
    });
    assert.equal(((await response.json()) as { __type: string }).__type, 'InvalidParameterException');
  });

  const KIND_CASES: [ErrorKind, new (...args: never[]) => R.RekognitionServiceException, number][] = [
    ['InvalidImageFormat', R.InvalidImageFormatException, 400],
    ['ImageTooLarge', R.ImageTooLargeException, 400],
    ['InvalidParameter', R.InvalidParameterException, 400],
    ['ResourceNotFound', R.ResourceNotFoundException, 400],
    ['ResourceAlreadyExists', R.ResourceAlreadyExistsException, 400],
    ['ResourceInUse', R.ResourceInUseException, 400],
    ['AccessDenied', R.AccessDeniedException, 400],
    ['InvalidPaginationToken', R.InvalidPaginationTokenException, 400],
    ['Conflict', R.ConflictException, 400],
    ['ServiceQuotaExceeded', R.ServiceQuotaExceededException, 400],
    ['InvalidS3Object', R.InvalidS3ObjectException, 400],
    ['IdempotentParameterMismatch', R.IdempotentParameterMismatchException, 400],
    ['Throttled', R.ProvisionedThroughputExceededException, 400],
    ['ServiceUnavailable', R.ThrottlingException, 500],
    ['Internal', R.InternalServerError, 500],
  ];

  for (const [kind, ExceptionClass, status] of KIND_CASES) {
    test(`FacerecError ${kind} becomes the SDK's ${ExceptionClass.name}`, async () => {
      h.fake.failNext(new FacerecError(kind, `boom ${kind}`));
      const error = await rejection(client(h).send(new R.DescribeCollectionCommand({ CollectionId: 'c1' })));
      assert.ok(error instanceof ExceptionClass, `${error.name} is not ${ExceptionClass.name}`);
      assert.equal(error.$metadata.httpStatusCode, status);
      assert.equal(error.$fault, status >= 500 ? 'server' : 'client');
      if (status < 500) assert.equal(error.message, `boom ${kind}`);
      else assert.doesNotMatch(error.message, /boom/);
    });
  }

  const DB_CASES: [Error, new (...args: never[]) => R.RekognitionServiceException][] = [
    [new CollectionNotFoundError('c9'), R.ResourceNotFoundException],
    [new CollectionAlreadyExistsError('c1'), R.ResourceAlreadyExistsException],
    [new UserAlreadyExistsError('u1'), R.ConflictException],
    [new UserFaceLimitExceededError('u1', 100), R.ServiceQuotaExceededException],
    [new InvalidPaginationTokenError('garbled'), R.InvalidPaginationTokenException],
    [new DatabaseUnavailableError('db down', new Error('ECONNREFUSED')), R.ThrottlingException],
    [new Error('unexpected'), R.InternalServerError],
  ];

  for (const [dbError, ExceptionClass] of DB_CASES) {
    test(`${dbError.name} becomes the SDK's ${ExceptionClass.name}`, async () => {
      h.fake.failNext(dbError);
      const error = await rejection(client(h).send(new R.ListFacesCommand({ CollectionId: 'c1' })));
      assert.ok(error instanceof ExceptionClass, `${error.name} is not ${ExceptionClass.name}`);
    });
  }
});

describe('SigV4 region restriction', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ sigv4: { regions: ['us-east-1'], clockSkewSeconds: 300 } });
  });
  after(async () => {
    await h.close();
  });

  test('only the configured regions are accepted', async () => {
    const ok = new R.RekognitionClient({ endpoint: h.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey } });
    await ok.send(new R.ListCollectionsCommand({}));
    const other = new R.RekognitionClient({ endpoint: h.url, region: 'eu-west-1', maxAttempts: 1, credentials: { accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey } });
    const error = await rejection(other.send(new R.ListCollectionsCommand({})));
    assert.equal(error.name, 'InvalidSignatureException');
  });
});
