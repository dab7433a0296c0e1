import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { startS3rver, TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '../testing/aws-peers.js';
import { BlobStoreUnavailableError } from './blob-store.js';
import { blobStoreContract } from './blob-store.contract.js';
import { S3BlobStore } from './s3-blob-store.js';

const storeAt = (endpoint: string, bucket = 'test-bucket') =>
  new S3BlobStore({ bucket, endpoint, region: TEST_AWS_REGION, forcePathStyle: true, credentials: TEST_AWS_CREDENTIALS, maxAttempts: 2 });

describe('BlobStore contract: S3BlobStore on s3rver', () => {
  blobStoreContract(async () => {
    const peer = await startS3rver();
    const store = storeAt(peer.endpoint);
    return {
      store,
      presigns: true,
      refusesUnsafeKeys: false,
      dispose: async () => {
        await store.close();
        await peer.stop();
      },
    };
  });
});

describe('S3BlobStore availability', () => {
  test('a store nobody listens on is BlobStoreUnavailableError', async () => {
    const peer = await startS3rver();
    const endpoint = peer.endpoint;
    await peer.stop();
    const store = storeAt(endpoint);
    try {
      await assert.rejects(store.get('k'), BlobStoreUnavailableError);
      await assert.rejects(store.head('k'), BlobStoreUnavailableError);
      await assert.rejects(store.put('k', new Uint8Array([1])), BlobStoreUnavailableError);
    } finally {
      await store.close();
    }
  });

  test('HTTP 503 after the SDK retries is BlobStoreUnavailableError; each attempt reached the server', async () => {
    let requests = 0;
    const server = createServer((request, response) => {
      requests++;
      request.resume();
      response.writeHead(503, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0"?><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const store = storeAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      await assert.rejects(store.get('k'), BlobStoreUnavailableError);
      assert.equal(requests, 2);
    } finally {
      await store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a missing bucket is not "unavailable": it is a configuration error passed through', async () => {
    const peer = await startS3rver();
    const store = storeAt(peer.endpoint, 'no-such-bucket');
    try {
      await assert.rejects(store.get('k'), (error: unknown) => !(error instanceof BlobStoreUnavailableError) && error instanceof Error && error.name === 'NoSuchBucket');
    } finally {
      await store.close();
      await peer.stop();
    }
  });
});
