import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runLoad, runLoadInChild, signSearches } from './search-load-client.js';

interface Seen {
  target: string | undefined;
  authorization: string | undefined;
  body: { CollectionId?: string; MaxFaces?: number; Image?: { Bytes?: string } };
}

/** Answers a match for image bytes starting with 1, no match for 2, and an AWS error for 3. */
async function fakeRekognition(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Seen['body'];
      seen.push({ target: req.headers['x-amz-target'] as string | undefined, authorization: req.headers.authorization, body });
      const first = Buffer.from(body.Image?.Bytes ?? '', 'base64')[0];
      if (first === 3) {
        res.writeHead(400, { 'x-amzn-errortype': 'InvalidParameterException:http://internal', 'content-type': 'application/x-amz-json-1.1' });
        res.end('{"__type":"InvalidParameterException","Message":"no face"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FaceMatches: first === 1 ? [{ Similarity: 99.5, Face: { FaceId: 'f' } }] : [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

test('signSearches captures one signed SearchFacesByImage request per image, as the SDK builds it', async () => {
  const requests = await signSearches('http://127.0.0.1:9', credentials, 'load', [Uint8Array.of(1, 2, 3), Uint8Array.of(2)], 7);
  assert.equal(requests.length, 2);
  for (const r of requests) {
    assert.match(r.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    assert.equal(r.headers['x-amz-target'], 'RekognitionService.SearchFacesByImage');
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
  }
  assert.deepEqual(JSON.parse(requests[0].body), { CollectionId: 'load', Image: { Bytes: Buffer.from([1, 2, 3]).toString('base64') }, MaxFaces: 7 });
  assert.notEqual(requests[0].headers.authorization, requests[1].headers.authorization);
});

test('runLoad replays the signed requests round-robin, counting matches, errors by AWS name and latencies', async () => {
  const server = await fakeRekognition();
  try {
    const requests = await signSearches(server.url, credentials, 'load', [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3), Uint8Array.of(1)]);
    const result = await runLoad({ url: server.url, requests, concurrency: 4, seconds: 60, maxRequests: 40 });
    assert.equal(server.seen.length, 40);
    assert.equal(result.latenciesMs.length, 30);
    assert.deepEqual(result.errors, { InvalidParameterException: 10 });
    assert.equal(result.matched, 20);
    assert.ok(result.latenciesMs.every((ms) => ms >= 0));
    assert.ok(result.clientCpuMs > 0);
    assert.ok(server.seen.every((s) => s.target === 'RekognitionService.SearchFacesByImage' && s.authorization?.startsWith('AWS4-HMAC-SHA256')));
  } finally {
    await server.close();
  }
});

test('runLoadInChild runs the clients in another process and reports back', async () => {
  const server = await fakeRekognition();
  try {
    const requests = await signSearches(server.url, credentials, 'load', [Uint8Array.of(1), Uint8Array.of(2)]);
    const result = await runLoadInChild({ url: server.url, requests, concurrency: 2, seconds: 60, maxRequests: 6 });
    assert.equal(result.latenciesMs.length, 6);
    assert.equal(result.matched, 3);
    assert.equal(server.seen.length, 6);
  } finally {
    await server.close();
  }
});

test('a warm-up phase on the same connections is reported apart, and the child says when measuring starts', async () => {
  const server = await fakeRekognition();
  try {
    const requests = await signSearches(server.url, credentials, 'load', [Uint8Array.of(1), Uint8Array.of(3)]);
    let told = 0;
    const result = await runLoadInChild({ url: server.url, requests, concurrency: 2, seconds: 1, warmupSeconds: 1 }, () => told++);
    assert.equal(told, 1, 'one "measuring" message');
    assert.ok(result.warmup, 'the warm-up phase is reported');
    const warm = result.warmup;
    // Every request sent is in exactly one phase (a success or an error), and both phases ran.
    const count = (r: { latenciesMs: number[]; errors: Record<string, number> }) => r.latenciesMs.length + Object.values(r.errors).reduce((a, b) => a + b, 0);
    assert.ok(count(warm) > 0 && count(result) > 0);
    assert.equal(count(warm) + count(result), server.seen.length);
    assert.ok(warm.errors.InvalidParameterException > 0 && result.errors.InvalidParameterException > 0);
    // The phases split at the planned second; the measured one lasts at least its planned second.
    assert.ok(Math.abs(warm.wallSeconds - 1) < 1e-6 && result.wallSeconds >= 0.999, `phases of ${warm.wallSeconds} s and ${result.wallSeconds} s`);
  } finally {
    await server.close();
  }
});
