/**
 * Security promise 3: SigV4 on the AWS protocol, over HTTP against the real gateway. A request
 * captured and replayed after the clock-skew window, a tampered body or signed header, a wrong
 * region (when regions are configured) or service, a wrong or another studio's secret, a revoked
 * key and missing or incomplete auth headers are all refused with the AWS auth errors
 * (InvalidSignatureException, IncompleteSignatureException, MissingAuthenticationTokenException,
 * UnrecognizedClientException), and none of them reaches the face service.
 *
 * Replay inside the window is accepted, as AWS does (SigV4 has no nonce): the window is the defence.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as R from '@aws-sdk/client-rekognition';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../src/auth/sha256.js';
import { createApp, createLogger } from '../../src/index.js';
import { LogCapture } from '../harness.js';
import { sdkClient, startSecurityStack, type SecurityStack } from './stack.js';

interface Captured {
  headers: Record<string, string>;
  body: string;
}

interface SignOptions {
  accessKeyId: string;
  secretAccessKey: string;
  target?: string;
  body?: string;
  region?: string;
  service?: string;
  signingDate?: Date;
}

/** A request signed exactly as the SDK signs it, kept so it can be sent (and re-sent) as is. */
async function sign(url: string, o: SignOptions): Promise<Captured> {
  const { hostname, port, host } = new URL(url);
  const body = o.body ?? '{}';
  const request = new HttpRequest({
    method: 'POST', protocol: 'http:', hostname, port: Number(port), path: '/', body,
    headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': o.target ?? 'RekognitionService.ListCollections' },
  });
  const signer = new SignatureV4({ credentials: o, region: o.region ?? 'us-east-1', service: o.service ?? 'rekognition', sha256: NodeSha256 });
  const signed = await signer.sign(request, o.signingDate ? { signingDate: o.signingDate } : {});
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return { headers, body };
}

async function send(url: string, c: Captured): Promise<{ status: number; type: string; message: string }> {
  const res = await fetch(`${url}/`, { method: 'POST', headers: c.headers, body: c.body });
  const json = (await res.json()) as { __type?: string; Message?: string };
  return { status: res.status, type: json.__type ?? 'ok', message: json.Message ?? '' };
}

describe('SigV4: what the gateway refuses', () => {
  let stack: SecurityStack;
  let key: { accessKeyId: string; secretAccessKey: string };
  let calls = 0;

  before(async () => {
    stack = await startSecurityStack();
    key = { accessKeyId: stack.a.accessKeyId, secretAccessKey: stack.a.secretAccessKey };
    await stack.a.sdk.send(new R.CreateCollectionCommand({ CollectionId: 'signed' }));
  });

  after(async () => {
    await stack?.close();
  });

  /** The metrics count every request the face service answered: refusals must not reach it. */
  const serviceCalls = async (): Promise<number> => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    return [...text.matchAll(/facerec_http_request_duration_seconds_count\{api="aws",operation="ListCollections",status="200"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  };

  /** An app over the same stores whose clock and accepted regions the test sets. */
  const withClock = async (now: () => Date, regions: readonly string[], run: (url: string) => Promise<void>): Promise<void> => {
    const { app } = createApp({
      api: stack.gateway.api,
      keys: stack.gateway.repos.apiKeys,
      logger: createLogger('warn', new LogCapture()),
      jsonBodyLimitBytes: 1024 * 1024,
      uploadFileLimitBytes: 1024 * 1024,
      sigv4: { regions, clockSkewSeconds: 300, now },
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };

  test('a correctly signed request is accepted, and so is its replay inside the window', async () => {
    const captured = await sign(stack.url, key);
    const first = await send(stack.url, captured);
    assert.deepEqual([first.status, first.type], [200, 'ok']);
    const replay = await send(stack.url, captured);
    assert.deepEqual([replay.status, replay.type], [200, 'ok']);
    calls = await serviceCalls();
    assert.ok(calls >= 2);
  });

  test('a captured request replayed after the clock-skew window is refused (and one from the future)', async () => {
    const signedAt = new Date(Date.UTC(2026, 0, 15, 12, 0, 0));
    let clock = signedAt;
    await withClock(() => clock, ['*'], async (url) => {
      const captured = await sign(url, { ...key, signingDate: signedAt });
      clock = new Date(signedAt.getTime() + 299_000);
      assert.equal((await send(url, captured)).type, 'ok', 'inside the 300 s window');
      clock = new Date(signedAt.getTime() + 301_000);
      const late = await send(url, captured);
      assert.deepEqual([late.status, late.type], [400, 'InvalidSignatureException']);
      assert.match(late.message, /^Signature expired: 20260115T120000Z is now earlier than/);
      clock = new Date(signedAt.getTime() - 301_000);
      const early = await send(url, captured);
      assert.deepEqual([early.type, /^Signature not yet current/.test(early.message)], ['InvalidSignatureException', true]);
    });
    // And on the real clock: a request signed ten minutes ago.
    const old = await send(stack.url, await sign(stack.url, { ...key, signingDate: new Date(Date.now() - 600_000) }));
    assert.deepEqual([old.status, old.type], [400, 'InvalidSignatureException']);
  });

  test('a tampered body, target, payload hash or signed date is refused', async () => {
    const captured = await sign(stack.url, { ...key, target: 'RekognitionService.DescribeCollection', body: '{"CollectionId":"signed"}' });
    assert.equal((await send(stack.url, captured)).type, 'ok');
    const cases: [string, Captured][] = [
      ['body', { ...captured, body: '{"CollectionId":"other"}' }],
      ['body whitespace', { ...captured, body: '{"CollectionId": "signed"}' }],
      ['target', { ...captured, headers: { ...captured.headers, 'x-amz-target': 'RekognitionService.DeleteCollection' } }],
      ['payload hash', { ...captured, headers: { ...captured.headers, 'x-amz-content-sha256': '0'.repeat(64) } }],
      ['date', { ...captured, headers: { ...captured.headers, 'x-amz-date': captured.headers['x-amz-date'].replace(/\d(Z)$/, (d) => (d === '0Z' ? '1Z' : '0Z')) } }],
      ['signature', { ...captured, headers: { ...captured.headers, authorization: captured.headers.authorization.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`) } }],
    ];
    for (const [what, request] of cases) {
      const out = await send(stack.url, request);
      assert.deepEqual([what, out.status, out.type], [what, 400, 'InvalidSignatureException']);
    }
    const still = await stack.a.sdk.send(new R.ListCollectionsCommand({}));
    assert.ok(still.CollectionIds?.includes('signed'), 'the tampered DeleteCollection did nothing');
  });

  test('wrong service; wrong region when regions are configured; a region is bound into the signature', async () => {
    const s3 = await send(stack.url, await sign(stack.url, { ...key, service: 's3' }));
    assert.deepEqual([s3.type, s3.message], ['InvalidSignatureException', 'Credential should be scoped to correct service: \'rekognition\'.']);
    const eu = await sign(stack.url, { ...key, region: 'eu-west-1' });
    assert.equal((await send(stack.url, eu)).type, 'ok', 'SIGV4_REGIONS=* (default) accepts any region');
    await withClock(() => new Date(), ['us-east-1'], async (url) => {
      const refused = await send(url, await sign(url, { ...key, region: 'eu-west-1' }));
      assert.equal(refused.type, 'InvalidSignatureException');
      assert.match(refused.message, /valid region/);
      assert.equal((await send(url, await sign(url, { ...key, region: 'us-east-1' }))).type, 'ok');
    });
    const relabelled = { ...eu, headers: { ...eu.headers, authorization: eu.headers.authorization.replace('/eu-west-1/', '/us-east-1/') } };
    assert.equal((await send(stack.url, relabelled)).type, 'InvalidSignatureException');
  });

  test('wrong secret, another studio\'s secret, an unknown or revoked key', async () => {
    const wrong = await send(stack.url, await sign(stack.url, { accessKeyId: key.accessKeyId, secretAccessKey: 'A'.repeat(40) }));
    assert.deepEqual([wrong.status, wrong.type], [400, 'InvalidSignatureException']);
    const crossed = await send(stack.url, await sign(stack.url, { accessKeyId: stack.b.accessKeyId, secretAccessKey: key.secretAccessKey }));
    assert.equal(crossed.type, 'InvalidSignatureException');
    const unknown = await send(stack.url, await sign(stack.url, { accessKeyId: 'FRKZZZZZZZZZZZZZZZZZ', secretAccessKey: key.secretAccessKey }));
    assert.equal(unknown.type, 'UnrecognizedClientException');
    const spare = await stack.gateway.repos.apiKeys.create(stack.a.tenantId, 'spare');
    assert.equal((await send(stack.url, await sign(stack.url, spare))).type, 'ok');
    await stack.gateway.repos.apiKeys.revoke(stack.a.tenantId, spare.accessKeyId);
    const revoked = await send(stack.url, await sign(stack.url, spare));
    assert.equal(revoked.type, 'UnrecognizedClientException');
    const bearer = await fetch(`${stack.url}/api/v1/collections`, { headers: { authorization: `Bearer ${spare.accessKeyId}:${spare.secretAccessKey}` } });
    assert.equal(bearer.status, 401, 'a revoked key is refused on REST too');
    // The AWS SDK sees the typed exception.
    const sdkError = await sdkClient(stack.url, key.accessKeyId, 'B'.repeat(40)).send(new R.ListCollectionsCommand({})).catch((e: unknown) => e);
    assert.equal((sdkError as Error).name, 'InvalidSignatureException');
  });

  test('missing or incomplete auth headers', async () => {
    const good = await sign(stack.url, key);
    const without = (name: string): Captured => {
      const headers = { ...good.headers };
      delete headers[name];
      return { ...good, headers };
    };
    const auth = good.headers.authorization;
    const cases: [string, Captured, string][] = [
      ['no Authorization', without('authorization'), 'MissingAuthenticationTokenException'],
      ['no X-Amz-Date', without('x-amz-date'), 'IncompleteSignatureException'],
      ['a signed header not sent', without('x-amz-target'), 'InvalidSignatureException'],
      ['no Signature', { ...good, headers: { ...good.headers, authorization: auth.replace(/, ?Signature=[0-9a-f]+/, '') } }, 'IncompleteSignatureException'],
      ['no Credential', { ...good, headers: { ...good.headers, authorization: auth.replace(/Credential=[^,]+, ?/, '') } }, 'IncompleteSignatureException'],
      ['host not signed', { ...good, headers: { ...good.headers, authorization: auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date;x-amz-target') } }, 'InvalidSignatureException'],
      ['date not signed', { ...good, headers: { ...good.headers, authorization: auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;host;x-amz-target') } }, 'InvalidSignatureException'],
      ['SigV2-style header', { ...good, headers: { ...good.headers, authorization: `AWS ${key.accessKeyId}:c2lnbmF0dXJl` } }, 'IncompleteSignatureException'],
      ['short scope', { ...good, headers: { ...good.headers, authorization: auth.replace(/\/aws4_request/, '') } }, 'IncompleteSignatureException'],
    ];
    for (const [what, request, type] of cases) {
      const out = await send(stack.url, request);
      assert.deepEqual([what, out.status, out.type], [what, 400, type]);
    }
    // Query-string (presigned) auth is not accepted in place of the header.
    const presigned = await fetch(`${stack.url}/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${key.accessKeyId}%2F20260101%2Fus-east-1%2Frekognition%2Faws4_request&X-Amz-Signature=${'0'.repeat(64)}`, {
      method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.ListCollections' }, body: '{}',
    });
    assert.equal(((await presigned.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
  });

  test('none of the refused requests reached the face service', async () => {
    // ListCollections served by this gateway since the first test, each one deliberate: the SDK
    // check after tampering, the eu-west-1 request (any region by default) and the spare key's.
    // (The apps with a test clock keep their own metrics.)
    const now = await serviceCalls();
    assert.equal(now - calls, 3);
  });
});
