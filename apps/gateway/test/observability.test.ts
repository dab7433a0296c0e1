import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '@aws-sdk/client-rekognition';
import { FacerecError } from '@facerec/core';
import { startHarness, type Harness } from './harness.js';

describe('health, metrics and logs', () => {
  let h: Harness;
  let dbHealthy = true;
  const engine = { queueDepth: 3, busyThreads: 2, waitingForRoom: 4 };
  const cacheStats = {
    live: true,
    caches: { api_keys: { hits: 5, misses: 2, bypassed: 0, entries: 2 }, collections: { hits: 0, misses: 1, bypassed: 3, entries: 1 } },
  };
  before(async () => {
    h = await startHarness({
      checks: [
        { name: 'engine', check: async () => undefined },
        {
          name: 'database',
          check: async () => {
            if (!dbHealthy) throw new Error('database unreachable');
          },
        },
      ],
      engineStats: () => engine,
      cacheStats: () => cacheStats,
    });
  });
  after(async () => {
    await h.close();
  });

  test('/healthz answers while the process is up', async () => {
    const response = await fetch(`${h.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  test('/readyz reports each check and turns 503 when one fails or when draining', async () => {
    const ready = await fetch(`${h.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { engine: 'ok', database: 'ok' });
    dbHealthy = false;
    const failing = await fetch(`${h.url}/readyz`);
    assert.equal(failing.status, 503);
    assert.equal(((await failing.json()) as { checks: Record<string, string> }).checks.database, 'database unreachable');
    dbHealthy = true;
    h.gateway.startDraining();
    const draining = await fetch(`${h.url}/readyz`);
    assert.equal(draining.status, 503);
    assert.equal(((await draining.json()) as { draining: boolean }).draining, true);
  });

  test('/metrics exposes request latency per operation and status, engine gauges and process metrics', async () => {
    const client = new R.RekognitionClient({
      endpoint: h.url, region: 'us-east-1', maxAttempts: 1,
      credentials: { accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey },
    });
    await client.send(new R.ListCollectionsCommand({}));
    h.fake.failNext(new FacerecError('ResourceNotFound', 'gone'));
    await client.send(new R.DescribeCollectionCommand({ CollectionId: 'x' })).catch(() => undefined);
    const response = await fetch(`${h.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /facerec_http_request_duration_seconds_count\{api="aws",operation="ListCollections",status="200"\} 1/);
    assert.match(text, /facerec_http_request_duration_seconds_count\{api="aws",operation="DescribeCollection",status="400"\} 1/);
    assert.match(text, /facerec_engine_queue_depth 3/);
    assert.match(text, /facerec_engine_busy_threads 2/);
    assert.match(text, /facerec_engine_waiting_for_room 4/);
    assert.match(text, /facerec_process_resident_memory_bytes/);
    assert.match(text, /facerec_lookup_cache_live 1/);
    assert.match(text, /facerec_lookup_cache_lookups_total\{cache="api_keys",result="hit"\} 5/);
    assert.match(text, /facerec_lookup_cache_lookups_total\{cache="collections",result="bypassed"\} 3/);
    // Counters stay cumulative across scrapes; the gauge follows the feed.
    cacheStats.live = false;
    cacheStats.caches.api_keys.hits = 9;
    const again = await (await fetch(`${h.url}/metrics`)).text();
    assert.match(again, /facerec_lookup_cache_lookups_total\{cache="api_keys",result="hit"\} 9/);
    assert.match(again, /facerec_lookup_cache_live 0/);
  });

  test('logs carry a request id per request and never a secret, an Authorization header or image bytes', async () => {
    const image = Buffer.from('secret-image-bytes-' + 'z'.repeat(64));
    const client = new R.RekognitionClient({
      endpoint: h.url, region: 'us-east-1', maxAttempts: 1,
      credentials: { accessKeyId: h.key.accessKeyId, secretAccessKey: h.key.secretAccessKey },
    });
    await client.send(new R.DetectFacesCommand({ Image: { Bytes: image } }));
    const data = new FormData();
    data.append('file', new Blob([image]), 'a.jpg');
    await fetch(`${h.url}/api/v1/detect-faces`, { method: 'POST', headers: { authorization: `Bearer ${h.key.accessKeyId}:${h.key.secretAccessKey}` }, body: data });
    h.fake.failNext(new Error('storage exploded'));
    await client.send(new R.ListFacesCommand({ CollectionId: 'c' })).catch(() => undefined);
    await fetch(`${h.url}/api/v1/collections`, { headers: { authorization: `Bearer ${h.key.accessKeyId}:wrong-secret-value` } });

    const requests = h.logs.records().filter((r) => r.msg === 'request');
    assert.ok(requests.length >= 4);
    const ids = requests.map((r) => r.requestId);
    assert.ok(ids.every((id) => typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)));
    assert.equal(new Set(ids).size, ids.length);
    const detect = requests.find((r) => r.operation === 'DetectFaces' && r.api === 'aws');
    assert.equal(detect?.tenantId, h.tenantId);
    assert.equal(detect?.accessKeyId, h.key.accessKeyId);

    const fault = h.logs.records().find((r) => r.msg === 'request failed');
    assert.equal(fault?.level, 50);
    assert.match(JSON.stringify(fault?.err), /storage exploded/);

    const text = h.logs.text();
    assert.ok(!text.includes(h.key.secretAccessKey.slice(0, 20)), 'the secret access key appears in the logs');
    assert.ok(!text.includes('wrong-secret-value'));
    assert.ok(!/authorization/i.test(text), 'an Authorization header appears in the logs');
    assert.ok(!text.includes('secret-image-bytes'));
    assert.ok(!text.includes(image.toString('base64').slice(0, 24)));
  });
});
