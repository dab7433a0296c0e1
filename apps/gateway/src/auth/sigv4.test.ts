import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { GatewayError } from '../errors.js';
import type { KeyStore } from './key-store.js';
import { NodeSha256 } from './sha256.js';
import { SigV4Verifier, type IncomingSignedRequest } from './sigv4.js';

const KEY = { accessKeyId: 'FRKTESTTESTTESTTEST1', secretAccessKey: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', tenantId: 't1' };
const NOW = new Date('2025-03-04T05:06:07Z');

function store(lookups: string[] = []): KeyStore {
  return {
    findActive: async (id) => {
      lookups.push(id);
      return id === KEY.accessKeyId ? KEY : undefined;
    },
    verifySecret: async () => undefined,
  };
}

async function signed(options: { body?: string; path?: string; date?: Date; service?: string } = {}): Promise<IncomingSignedRequest> {
  const body = options.body ?? '{"CollectionId":"c"}';
  const request = new HttpRequest({
    method: 'POST', protocol: 'http:', hostname: 'localhost', path: options.path ?? '/',
    headers: { host: 'localhost:8080', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.CreateCollection' },
    body,
  });
  const signer = new SignatureV4({ credentials: KEY, region: 'us-east-1', service: options.service ?? 'rekognition', sha256: NodeSha256 });
  const out = await signer.sign(request, { signingDate: options.date ?? NOW });
  return { method: 'POST', path: options.path ?? '/', query: '', headers: out.headers as Record<string, string>, body: Buffer.from(body) };
}

function verifier(lookups?: string[]): SigV4Verifier {
  return new SigV4Verifier(store(lookups), { service: 'rekognition', regions: ['*'], clockSkewSeconds: 300, now: () => NOW });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return error.errorName;
  }
  assert.fail('expected a refusal');
}

test('a correct signature yields the key and its tenant', async () => {
  assert.deepEqual(await verifier().verify(await signed()), { accessKeyId: KEY.accessKeyId, tenantId: 't1' });
});

test('encoded paths verify against the decoded path the client signed', async () => {
  await verifier().verify({ ...(await signed({ path: '/a b' })), path: '/a%20b' });
});

test('expired, wrong-service and malformed requests are refused before the key store is asked', async () => {
  const lookups: string[] = [];
  const v = verifier(lookups);
  assert.equal(await refusal(v.verify(await signed({ date: new Date(NOW.getTime() - 301_000) }))), 'InvalidSignatureException');
  assert.equal(await refusal(v.verify(await signed({ service: 'dynamodb' }))), 'InvalidSignatureException');
  const request = await signed();
  assert.equal(await refusal(v.verify({ ...request, headers: { ...request.headers, authorization: 'AWS4-HMAC-SHA256 Credential=x' } })), 'IncompleteSignatureException');
  assert.equal(await refusal(v.verify({ ...request, headers: { ...request.headers, authorization: undefined } })), 'MissingAuthenticationTokenException');
  const noHost = String(request.headers.authorization).replace('SignedHeaders=', 'SignedHeaders=x-');
  assert.equal(await refusal(v.verify({ ...request, headers: { ...request.headers, authorization: noHost } })), 'InvalidSignatureException');
  assert.deepEqual(lookups, []);
});

test('a changed header or body breaks the signature', async () => {
  const request = await signed();
  const v = verifier();
  assert.equal(await refusal(v.verify({ ...request, headers: { ...request.headers, 'x-amz-target': 'RekognitionService.DeleteCollection' } })), 'InvalidSignatureException');
  assert.equal(await refusal(v.verify({ ...request, body: Buffer.from('{"CollectionId":"d"}') })), 'InvalidSignatureException');
});
