/**
 * The contract every Queue adapter passes, run from each adapter's test file. Each test opens a
 * fresh queue. Where a local stand-in is known to differ from the real service, the adapter's
 * test declares the quirk and the test checks what the stand-in does instead (see QueueQuirks).
 * Timing: visibility timeouts of 1 s and sleeps of ~1.5 s; long polls wait for redeliveries, so
 * no assertion depends on how fast the machine is.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { InvalidReceiptError } from './queue.js';
import type { ImageMessage, Queue, ReceivedMessage } from './queue.js';

export interface QueueQuirks {
  /** stats.visible also counts in-flight messages (local-aws-sqs; real SQS does not). */
  visibleIncludesInFlight: boolean;
  /** extend/release count as a receive (local-aws-sqs; real SQS does not). */
  visibilityChangeCountsAsReceive: boolean;
  /** fail() reasons come back on dead letters (table queue; SQS has nowhere to keep them). */
  keepsReasons: boolean;
  /** A dead letter's receiveCount is the count it died with (table queue; SQS reports the DLQ copy's own count). */
  deadLetterKeepsReceiveCount: boolean;
}

export interface OpenedQueue {
  queue: Queue;
  dispose(): Promise<void>;
}

export interface QueueContractOptions {
  open(options: { maxReceives: number }): Promise<OpenedQueue>;
  quirks: QueueQuirks;
}

export function imageMessage(n: number): ImageMessage {
  return { albumId: 'album-1', imageId: `image-${n}`, blobKey: `t/album-1/image-${n}.jpg`, tenantId: 'tenant-1' };
}

async function withQueue(options: QueueContractOptions, maxReceives: number, body: (queue: Queue) => Promise<void>): Promise<void> {
  const opened = await options.open({ maxReceives });
  try {
    await body(opened.queue);
  } finally {
    await opened.dispose();
  }
}

/** Receives until `count` messages arrived or a long poll comes back empty. */
async function receiveAll(queue: Queue, count: number, visibilityTimeoutSeconds = 60): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  while (out.length < count) {
    const batch = await queue.receive({ max: 10, waitSeconds: 2, visibilityTimeoutSeconds });
    if (batch.length === 0) break;
    out.push(...batch);
  }
  return out;
}

/** Lets a message's receives run out (1 s visibility, never deleted) until it is a dead letter. */
async function receiveUntilDead(queue: Queue, maxReceives: number, onReceive?: (m: ReceivedMessage) => Promise<void>): Promise<void> {
  for (let i = 0; i < maxReceives; i++) {
    const [message] = await queue.receive({ max: 1, waitSeconds: 5, visibilityTimeoutSeconds: 1 });
    assert.ok(message, `receive ${i + 1} of ${maxReceives}`);
    assert.equal(message.receiveCount, i + 1);
    await onReceive?.(message);
  }
  // One more poll after the last visibility ran out: SQS (and the table) dead-letter it by now.
  assert.deepEqual(await queue.receive({ max: 1, waitSeconds: 3, visibilityTimeoutSeconds: 1 }), []);
}

const ids = (messages: readonly { body: ImageMessage }[]) => messages.map((m) => m.body.imageId).sort();

export function queueContract(options: QueueContractOptions): void {
  const { quirks } = options;

  test('send, receive and delete one message', async () => {
    await withQueue(options, 3, async (queue) => {
      await queue.send([imageMessage(1)]);
      const received = await queue.receive({ max: 10, waitSeconds: 2, visibilityTimeoutSeconds: 30 });
      assert.equal(received.length, 1);
      assert.deepEqual(received[0].body, imageMessage(1));
      assert.equal(received[0].receiveCount, 1);
      assert.equal(typeof received[0].receipt, 'string');
      await queue.delete([received[0].receipt]);
      assert.deepEqual(await queue.receive({ max: 10, waitSeconds: 0, visibilityTimeoutSeconds: 30 }), []);
      assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 0, oldestAgeSeconds: 0, deadLetters: 0 });
    });
  });

  test('a message not deleted comes back after its visibility timeout with receiveCount 2', async () => {
    await withQueue(options, 5, async (queue) => {
      await queue.send([imageMessage(1)]);
      const [first] = await queue.receive({ max: 1, waitSeconds: 2, visibilityTimeoutSeconds: 1 });
      assert.equal(first.receiveCount, 1);
      assert.deepEqual(await queue.receive({ max: 1, waitSeconds: 0, visibilityTimeoutSeconds: 1 }), []);
      const [second] = await queue.receive({ max: 1, waitSeconds: 5, visibilityTimeoutSeconds: 30 });
      assert.deepEqual(second.body, imageMessage(1));
      assert.equal(second.receiveCount, 2);
      assert.notEqual(second.receipt, first.receipt);
    });
  });

  test('extend keeps a message hidden past its first timeout', async () => {
    await withQueue(options, 5, async (queue) => {
      await queue.send([imageMessage(1)]);
      const [message] = await queue.receive({ max: 1, waitSeconds: 2, visibilityTimeoutSeconds: 1 });
      await queue.extend(message.receipt, 30);
      await sleep(1500);
      assert.deepEqual(await queue.receive({ max: 1, waitSeconds: 0, visibilityTimeoutSeconds: 30 }), []);
      assert.equal((await queue.stats()).inFlight, 1);
      await queue.delete([message.receipt]);
    });
  });

  test('release makes a message visible now', async () => {
    await withQueue(options, 5, async (queue) => {
      await queue.send([imageMessage(1)]);
      const [message] = await queue.receive({ max: 1, waitSeconds: 2, visibilityTimeoutSeconds: 300 });
      await queue.release(message.receipt, 'shutting down');
      const [again] = await queue.receive({ max: 1, waitSeconds: 2, visibilityTimeoutSeconds: 30 });
      assert.deepEqual(again.body, imageMessage(1));
      // local-aws-sqs counts the visibility change itself as a receive.
      assert.equal(again.receiveCount, quirks.visibilityChangeCountsAsReceive ? 3 : 2);
    });
  });

  test('malformed and superseded receipts are InvalidReceiptError for extend; a stale delete is a no-op', async () => {
    await withQueue(options, 5, async (queue) => {
      await assert.rejects(queue.extend('not-a-receipt', 30), InvalidReceiptError);
      await queue.send([imageMessage(1)]);
      const [message] = await queue.receive({ max: 1, waitSeconds: 2, visibilityTimeoutSeconds: 30 });
      await queue.delete([message.receipt]);
      await assert.rejects(queue.extend(message.receipt, 30), InvalidReceiptError);
      await queue.delete([message.receipt]);
      await queue.release(message.receipt);
    });
  });

  test('after maxReceives receives a message becomes a dead letter, with its reason where kept', async () => {
    await withQueue(options, 2, async (queue) => {
      await queue.send([imageMessage(1), imageMessage(2)]);
      const [other] = await queue.receive({ max: 1, waitSeconds: 2, visibilityTimeoutSeconds: 300 });
      await queue.delete([other.receipt]);
      await receiveUntilDead(queue, 2, (m) => queue.fail(m.receipt, `decode failed on attempt ${m.receiveCount}`));
      const dead = await queue.deadLetters(10);
      assert.equal(dead.length, 1);
      assert.deepEqual(dead[0].body, other.body.imageId === 'image-1' ? imageMessage(2) : imageMessage(1));
      if (quirks.keepsReasons) assert.equal(dead[0].reason, 'decode failed on attempt 2');
      else assert.equal(dead[0].reason, undefined);
      if (quirks.deadLetterKeepsReceiveCount) assert.equal(dead[0].receiveCount, 2);
      const stats = await queue.stats();
      assert.equal(stats.deadLetters, 1);
      assert.equal(stats.visible, 0);
      // Reading dead letters does not consume them.
      assert.equal((await queue.deadLetters(10)).length, 1);
    });
  });

  test('redrive moves dead letters back (all, or those a filter picks) with a fresh receive count', async () => {
    await withQueue(options, 1, async (queue) => {
      await queue.send([imageMessage(1), imageMessage(2), imageMessage(3)]);
      const received = await receiveAll(queue, 3, 1);
      assert.equal(received.length, 3);
      assert.deepEqual(await queue.receive({ max: 10, waitSeconds: 3, visibilityTimeoutSeconds: 1 }), []);
      assert.deepEqual(ids(await queue.deadLetters(10)), ['image-1', 'image-2', 'image-3']);

      assert.equal(await queue.redrive((m) => m.imageId === 'image-2'), 1);
      assert.deepEqual(ids(await queue.deadLetters(10)), ['image-1', 'image-3']);
      const [back] = await queue.receive({ max: 10, waitSeconds: 2, visibilityTimeoutSeconds: 30 });
      assert.deepEqual(back.body, imageMessage(2));
      assert.equal(back.receiveCount, 1);
      await queue.delete([back.receipt]);

      assert.equal(await queue.redrive(), 2);
      assert.equal((await queue.stats()).deadLetters, 0);
      assert.deepEqual(ids(await receiveAll(queue, 2)), ['image-1', 'image-3']);
    });
  });

  test('stats count visible, in-flight and dead messages and the oldest age', async () => {
    await withQueue(options, 3, async (queue) => {
      assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 0, oldestAgeSeconds: 0, deadLetters: 0 });
      await queue.send([imageMessage(1), imageMessage(2), imageMessage(3)]);
      const [message] = await queue.receive({ max: 1, waitSeconds: 2, visibilityTimeoutSeconds: 300 });
      const stats = await queue.stats();
      // local-aws-sqs's ApproximateNumberOfMessages counts in-flight messages too.
      assert.equal(stats.visible, quirks.visibleIncludesInFlight ? 3 : 2);
      assert.equal(stats.inFlight, 1);
      assert.equal(stats.deadLetters, 0);
      assert.ok(Number.isFinite(stats.oldestAgeSeconds) && stats.oldestAgeSeconds >= 0, String(stats.oldestAgeSeconds));
      await queue.delete([message.receipt]);
    });
  });

  test('batches over 10 are sent and received whole', async () => {
    await withQueue(options, 3, async (queue) => {
      const sent = Array.from({ length: 25 }, (_, i) => imageMessage(i));
      await queue.send(sent);
      const received = await receiveAll(queue, 25);
      assert.deepEqual(ids(received), ids(sent.map((body) => ({ body }))));
      assert.ok(received.every((m) => m.receiveCount === 1));
      await queue.delete(received.map((m) => m.receipt));
      assert.equal((await queue.stats()).inFlight, 0);
    });
  });

  test('concurrent receivers never get the same message while it is hidden', async () => {
    await withQueue(options, 3, async (queue) => {
      const sent = Array.from({ length: 30 }, (_, i) => imageMessage(i));
      await queue.send(sent);
      const worker = async () => {
        const got: ReceivedMessage[] = [];
        for (;;) {
          const batch = await queue.receive({ max: 3, waitSeconds: 1, visibilityTimeoutSeconds: 120 });
          if (batch.length === 0) return got;
          got.push(...batch);
        }
      };
      const results = await Promise.all([worker(), worker(), worker(), worker()]);
      const all = results.flat();
      assert.equal(new Set(all.map((m) => m.body.imageId)).size, all.length, 'a message was handed out twice');
      assert.equal(all.length, 30);
    });
  });

  test('an aborted long poll returns at once with nothing', async () => {
    await withQueue(options, 3, async (queue) => {
      const controller = new AbortController();
      const pending = queue.receive({ max: 1, waitSeconds: 20, visibilityTimeoutSeconds: 30, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      assert.deepEqual(await pending, []);
    });
  });
}
