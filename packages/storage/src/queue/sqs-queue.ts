/**
 * Queue on Amazon SQS: a standard queue with a dead-letter queue wired by RedrivePolicy.
 * SQS decides when a message dies (after `maxReceiveCount` receives); it has nowhere to keep a
 * failure reason, so `fail` is a no-op and the reason lives in Postgres (`images.error`).
 * Receipts of dead letters are prefixed `dlq:` so `delete` knows which queue they belong to.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { Message, SQSClientConfig } from '@aws-sdk/client-sqs';
import { isUnavailable } from '../blobs/unavailable.js';
import { encodeImageMessage, parseImageMessage } from './message-codec.js';
import { InvalidReceiptError, QueueUnavailableError } from './queue.js';
import type { DeadLetter, ImageMessage, Queue, QueueStats, ReceivedMessage } from './queue.js';

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** Destroy the client on close (default false: the caller may share it). */
  ownsClient?: boolean;
  /**
   * Age of the oldest message, e.g. CloudWatch's ApproximateAgeOfOldestMessage. SQS itself has no
   * attribute for it, and peeking would count as a receive (pushing messages toward the DLQ).
   * Without it, stats approximate from the oldest SentTimestamp this instance last received.
   */
  ageOfOldestMessage?: () => Promise<number>;
}

/** SQS limits: 10 entries per batch call, 20 s longest poll. */
const BATCH = 10;
const MAX_WAIT_SECONDS = 20;
const DLQ_PREFIX = 'dlq:';
/** How long deadLetters/redrive keep DLQ messages hidden while reading them. */
const PEEK_VISIBILITY_SECONDS = 30;

export function createSqsClient(options: {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}): SQSClient {
  const config: SQSClientConfig = { region: options.region ?? 'us-east-1' };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  return new SQSClient(config);
}

/**
 * Creates (or finds) `name` and `name-dlq`, and points the queue's RedrivePolicy at the DLQ, for
 * tests and the embedded/dev set-up. Production queues belong to infrastructure code.
 */
export async function ensureSqsQueues(
  client: SQSClient,
  name: string,
  options: { maxReceives: number; visibilityTimeoutSeconds?: number },
): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }));
  const deadLetterQueueUrl = required(dlq.QueueUrl, 'dead-letter queue URL');
  const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }));
  const deadLetterTargetArn = required(attributes.Attributes?.QueueArn, 'dead-letter queue ARN');
  const Attributes = {
    RedrivePolicy: JSON.stringify({ maxReceiveCount: String(options.maxReceives), deadLetterTargetArn }),
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 60),
  };
  let queueUrl: string;
  try {
    queueUrl = required((await client.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl, 'queue URL');
  } catch (error) {
    // The queue exists with other settings: bring them to what was asked.
    if (!(error instanceof QueueNameExists)) throw error;
    queueUrl = required((await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, 'queue URL');
    await client.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes }));
  }
  return { queueUrl, deadLetterQueueUrl };
}

export class SqsQueue implements Queue {
  readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly dlqUrl: string;
  private readonly ownsClient: boolean;
  private readonly ageOfOldestMessage: (() => Promise<number>) | undefined;
  /** SentTimestamp (ms) of the oldest message in this instance's latest non-empty receive. */
  private oldestSeenSentAt: number | undefined;

  constructor(options: SqsQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.dlqUrl = options.deadLetterQueueUrl;
    this.ownsClient = options.ownsClient ?? false;
    this.ageOfOldestMessage = options.ageOfOldestMessage;
  }

  async send(messages: readonly ImageMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH) {
      await this.sendBodies(this.queueUrl, messages.slice(start, start + BATCH).map(encodeImageMessage));
    }
  }

  async receive(options: { max: number; waitSeconds: number; visibilityTimeoutSeconds: number; signal?: AbortSignal }): Promise<ReceivedMessage[]> {
    const wanted = Math.max(1, options.max);
    const raw: Message[] = [];
    let waitSeconds = clampWait(options.waitSeconds);
    // SQS hands out at most 10 per call: keep asking (without waiting) while full batches come back.
    while (raw.length < wanted) {
      const batch = await this.receiveFrom(this.queueUrl, Math.min(BATCH, wanted - raw.length), waitSeconds, options.visibilityTimeoutSeconds, options.signal);
      if (batch === undefined) break;
      raw.push(...batch);
      if (batch.length < BATCH) break;
      waitSeconds = 0;
    }
    if (raw.length > 0) this.oldestSeenSentAt = Math.min(...raw.map((m) => Number(m.Attributes?.SentTimestamp ?? Date.now())));
    return raw.map((message) => this.toReceived(message));
  }

  async delete(receipts: readonly string[]): Promise<void> {
    const main = receipts.filter((r) => !r.startsWith(DLQ_PREFIX));
    const dead = receipts.filter((r) => r.startsWith(DLQ_PREFIX)).map((r) => r.slice(DLQ_PREFIX.length));
    await this.deleteHandles(this.queueUrl, main);
    await this.deleteHandles(this.dlqUrl, dead);
  }

  async extend(receipt: string, visibilityTimeoutSeconds: number): Promise<void> {
    await this.changeVisibility(receipt, visibilityTimeoutSeconds);
  }

  async release(receipt: string): Promise<void> {
    // The reason cannot travel with an SQS message (see fail). Giving back a message that is no
    // longer ours is harmless.
    try {
      await this.changeVisibility(receipt, 0);
    } catch (error) {
      if (!(error instanceof InvalidReceiptError)) throw error;
    }
  }

  /** No-op: SQS keeps no per-message notes; the worker records the reason in images.error. */
  async fail(): Promise<void> {}

  async stats(): Promise<QueueStats> {
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;
    const [main, dlq] = await Promise.all(
      [this.queueUrl, this.dlqUrl].map((QueueUrl) =>
        this.call(() => this.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...names] }))),
      ),
    );
    const count = (attributes: Record<string, string> | undefined, name: (typeof names)[number]) => Number(attributes?.[name] ?? 0);
    const visible = count(main.Attributes, 'ApproximateNumberOfMessages');
    return {
      visible,
      inFlight: count(main.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
      oldestAgeSeconds: visible === 0 ? 0 : await this.oldestAge(),
      // A dead letter hidden by a concurrent deadLetters() peek is still a dead letter.
      deadLetters: count(dlq.Attributes, 'ApproximateNumberOfMessages') + count(dlq.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
    };
  }

  /** Reads up to `max` dead letters, hiding them only while reading, then makes them visible again. */
  async deadLetters(max: number): Promise<DeadLetter[]> {
    const messages = await this.drainDlq(max);
    await this.releaseDlq(messages.map((m) => m.ReceiptHandle ?? ''));
    return messages.map((message) => ({
      body: parseImageMessage(message.Body),
      receipt: DLQ_PREFIX + (message.ReceiptHandle ?? ''),
      // As SQS reports it; it counts receives of the copy in the DLQ too (including peeks).
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    }));
  }

  /**
   * Copies matching dead letters to the main queue, then deletes them from the DLQ (a crash in
   * between duplicates a message, never loses one). Non-matching ones are made visible again.
   */
  async redrive(filter?: (m: ImageMessage) => boolean): Promise<number> {
    const messages = await this.drainDlq(Number.POSITIVE_INFINITY);
    const chosen = messages.filter((m) => filter === undefined || filter(parseImageMessage(m.Body)));
    const rest = messages.filter((m) => !chosen.includes(m));
    try {
      for (let start = 0; start < chosen.length; start += BATCH) {
        const batch = chosen.slice(start, start + BATCH);
        await this.sendBodies(this.queueUrl, batch.map((m) => m.Body ?? ''));
        await this.deleteHandles(this.dlqUrl, batch.map((m) => m.ReceiptHandle ?? ''));
      }
    } finally {
      await this.releaseDlq(rest.map((m) => m.ReceiptHandle ?? ''));
    }
    return chosen.length;
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private toReceived(message: Message): ReceivedMessage {
    return {
      body: parseImageMessage(message.Body),
      receipt: required(message.ReceiptHandle, 'receipt handle'),
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    };
  }

  /** One ReceiveMessage call; undefined when the signal aborted it. */
  private async receiveFrom(
    queueUrl: string,
    max: number,
    waitSeconds: number,
    visibilityTimeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<Message[] | undefined> {
    if (signal?.aborted) return undefined;
    try {
      const response = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: visibilityTimeoutSeconds,
          // Some SQS emulators (local-aws-sqs) only honour the older AttributeNames.
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return response.Messages ?? [];
    } catch (error) {
      if (signal?.aborted) return undefined;
      throw this.translate(error);
    }
  }

  private async oldestAge(): Promise<number> {
    if (this.ageOfOldestMessage !== undefined) return this.ageOfOldestMessage();
    return this.oldestSeenSentAt === undefined ? 0 : Math.max(0, (Date.now() - this.oldestSeenSentAt) / 1000);
  }

  /** Receives distinct DLQ messages (hidden for a short while) until `max` or the DLQ runs dry. */
  private async drainDlq(max: number): Promise<Message[]> {
    const seen = new Map<string, Message>();
    while (seen.size < max) {
      const batch = await this.receiveFrom(this.dlqUrl, Math.min(BATCH, max - seen.size), 1, PEEK_VISIBILITY_SECONDS);
      const fresh = (batch ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) seen.set(m.MessageId ?? '', m);
    }
    return [...seen.values()];
  }

  private async releaseDlq(handles: readonly string[]): Promise<void> {
    for (let start = 0; start < handles.length; start += BATCH) {
      const entries = handles.slice(start, start + BATCH).map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle, VisibilityTimeout: 0 }));
      await this.call(() => this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.dlqUrl, Entries: entries })));
    }
  }

  private async sendBodies(queueUrl: string, bodies: readonly string[]): Promise<void> {
    let pending = bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody }));
    // Entries that fail on SQS's side are retried a few times; a sender fault is a bug, thrown at once.
    for (let attempt = 0; pending.length > 0; attempt++) {
      const response = await this.call(() => this.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending })));
      const failed = response.Failed ?? [];
      if (failed.length === 0) return;
      const senderFault = failed.find((f) => f.SenderFault);
      if (senderFault !== undefined) throw new Error(`SQS refused message ${senderFault.Id}: ${senderFault.Code} ${senderFault.Message ?? ''}`);
      if (attempt >= 2) throw new QueueUnavailableError(`SQS could not accept ${failed.length} message(s): ${failed[0].Code}`);
      const failedIds = new Set(failed.map((f) => f.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
    }
  }

  private async deleteHandles(queueUrl: string, handles: readonly string[]): Promise<void> {
    for (let start = 0; start < handles.length; start += BATCH) {
      const batch = handles.slice(start, start + BATCH);
      const entries = batch.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle }));
      const response = await this.call(() => this.client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })));
      const failed = response.Failed?.[0];
      if (failed === undefined) continue;
      const receipt = batch[Number(failed.Id)] ?? '';
      if (failed.SenderFault) throw new InvalidReceiptError(receipt);
      throw new QueueUnavailableError(`SQS could not delete a message: ${failed.Code} ${failed.Message ?? ''}`);
    }
  }

  private async changeVisibility(receipt: string, visibilityTimeoutSeconds: number): Promise<void> {
    const dead = receipt.startsWith(DLQ_PREFIX);
    const QueueUrl = dead ? this.dlqUrl : this.queueUrl;
    const ReceiptHandle = dead ? receipt.slice(DLQ_PREFIX.length) : receipt;
    try {
      await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: visibilityTimeoutSeconds }));
    } catch (error) {
      if (isReceiptError(error)) throw new InvalidReceiptError(receipt, { cause: error });
      throw this.translate(error);
    }
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): unknown {
    if (error instanceof QueueUnavailableError || error instanceof InvalidReceiptError) return error;
    if (isUnavailable(error)) {
      return new QueueUnavailableError(`SQS is unavailable: ${error instanceof Error ? error.message || error.name : String(error)}`, { cause: error });
    }
    return error;
  }
}

/** SQS's ways of saying "that receipt no longer names a message you hold". */
function isReceiptError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReceiptHandleIsInvalid' || error.name === 'MessageNotInflight') return true;
  return error.name === 'InvalidParameterValue' && /receipt ?handle/i.test(error.message);
}

function clampWait(seconds: number): number {
  return Math.min(MAX_WAIT_SECONDS, Math.max(0, Math.floor(seconds)));
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`SQS answered without a ${what}`);
  return value;
}
