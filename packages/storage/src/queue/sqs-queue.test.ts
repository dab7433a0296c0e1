import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { startLocalSqs, TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '../testing/aws-peers.js';
import type { AwsPeer } from '../testing/aws-peers.js';
import { imageMessage, queueContract } from './queue.contract.js';
import { QueueUnavailableError } from './queue.js';
import { SqsQueue, createSqsClient, ensureSqsQueues } from './sqs-queue.js';

let peer: AwsPeer;
let client: SQSClient;
before(async () => {
  peer = await startLocalSqs();
  client = createSqsClient({ endpoint: peer.endpoint, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS, maxAttempts: 1 });
});
after(async () => {
  client.destroy();
  await peer.stop();
});

describe('Queue contract: SqsQueue on local-aws-sqs', () => {
  queueContract({
    // Where local-aws-sqs differs from SQS (measured; see infra-feasibility.md):
    quirks: {
      // its ApproximateNumberOfMessages counts in-flight messages too;
      visibleIncludesInFlight: true,
      // its ChangeMessageVisibility (extend, release) increments the receive count;
      visibilityChangeCountsAsReceive: true,
      // SQS has nowhere to keep a failure reason (true of the real service as well);
      keepsReasons: false,
      // a moved message's count restarts in the DLQ and our peeks add to it.
      deadLetterKeepsReceiveCount: false,
    },
    open: async ({ maxReceives }) => {
      const urls = await ensureSqsQueues(client, `q-${randomUUID()}`, { maxReceives });
      const queue = new SqsQueue({ client, ...urls });
      return { queue, dispose: () => queue.close() };
    },
  });
});

describe('SqsQueue specifics', () => {
  test('ensureSqsQueues is idempotent and wires the DLQ', async () => {
    const name = `ensure-${randomUUID()}`;
    const first = await ensureSqsQueues(client, name, { maxReceives: 4 });
    const second = await ensureSqsQueues(client, name, { maxReceives: 4 });
    assert.deepEqual(second, first);
    // Different settings for an existing name are applied rather than refused.
    assert.deepEqual(await ensureSqsQueues(client, name, { maxReceives: 2, visibilityTimeoutSeconds: 5 }), first);
    const queue = new SqsQueue({ client, ...first });
    await queue.send([imageMessage(1)]);
    for (let receive = 1; receive <= 2; receive++) {
      const [message] = await queue.receive({ max: 1, waitSeconds: 5, visibilityTimeoutSeconds: 1 });
      assert.equal(message.receiveCount, receive);
    }
    assert.deepEqual(await queue.receive({ max: 1, waitSeconds: 3, visibilityTimeoutSeconds: 1 }), []);
    assert.equal((await queue.stats()).deadLetters, 1);
    assert.match(first.deadLetterQueueUrl, new RegExp(`${name}-dlq$`));
  });

  test('oldestAgeSeconds comes from the hook when given (e.g. CloudWatch), 0 when the queue is empty', async () => {
    const urls = await ensureSqsQueues(client, `age-${randomUUID()}`, { maxReceives: 3 });
    const queue = new SqsQueue({ client, ...urls, ageOfOldestMessage: async () => 42 });
    assert.equal((await queue.stats()).oldestAgeSeconds, 0);
    await queue.send([imageMessage(1)]);
    assert.equal((await queue.stats()).oldestAgeSeconds, 42);
  });

  test('an unreachable endpoint is QueueUnavailableError', async () => {
    const down = await startLocalSqs();
    const endpoint = down.endpoint;
    await down.stop();
    const offline = createSqsClient({ endpoint, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS, maxAttempts: 1 });
    const queue = new SqsQueue({ client: offline, queueUrl: `${endpoint}/123456789012/x`, deadLetterQueueUrl: `${endpoint}/123456789012/x-dlq`, ownsClient: true });
    try {
      await assert.rejects(queue.send([imageMessage(1)]), QueueUnavailableError);
      await assert.rejects(queue.receive({ max: 1, waitSeconds: 0, visibilityTimeoutSeconds: 30 }), QueueUnavailableError);
      await assert.rejects(queue.stats(), QueueUnavailableError);
    } finally {
      await queue.close();
    }
  });
});
