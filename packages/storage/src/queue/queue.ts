/**
 * The album ingestion queue: SQS in production, a Postgres table in the embedded mode.
 * At-least-once: a received message is invisible for `visibilityTimeoutSeconds`; unless deleted
 * it comes back, and after `maxReceives` receives it moves to the dead-letter queue.
 */
export interface ImageMessage {
  albumId: string;
  imageId: string;
  blobKey: string;
  tenantId: string;
}

export interface ReceivedMessage {
  body: ImageMessage;
  /** Opaque handle for delete / extend / release. */
  receipt: string;
  /** How many times this message has been received, this time included. */
  receiveCount: number;
}

export interface DeadLetter {
  body: ImageMessage;
  receipt: string;
  /** Why it died, when the adapter knows (the last failure recorded with `fail`). */
  reason?: string;
  receiveCount: number;
}

export interface QueueStats {
  /** Messages waiting to be received. */
  visible: number;
  /** Received and not yet deleted. */
  inFlight: number;
  /** Age of the oldest visible message in seconds (0 when empty). */
  oldestAgeSeconds: number;
  deadLetters: number;
}

export interface Queue {
  send(messages: readonly ImageMessage[]): Promise<void>;
  /** Waits up to `waitSeconds` for at least one message (long polling); at most `max` messages. */
  receive(options: { max: number; waitSeconds: number; visibilityTimeoutSeconds: number; signal?: AbortSignal }): Promise<ReceivedMessage[]>;
  delete(receipts: readonly string[]): Promise<void>;
  /** Keeps a message invisible while it is being worked on (heartbeat). */
  extend(receipt: string, visibilityTimeoutSeconds: number): Promise<void>;
  /** Makes a message visible again now (graceful shutdown), recording why it was given back. */
  release(receipt: string, reason?: string): Promise<void>;
  /** Records a failure reason for the message's current attempt (shown when it dead-letters). */
  fail(receipt: string, reason: string): Promise<void>;
  stats(): Promise<QueueStats>;
  deadLetters(max: number): Promise<DeadLetter[]>;
  /** Moves dead letters back to the main queue (retry from the dashboard). */
  redrive(filter?: (m: ImageMessage) => boolean): Promise<number>;
  close(): Promise<void>;
}

export class QueueUnavailableError extends Error {
  readonly code = 'QueueUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}

/**
 * The receipt is malformed, or no longer names a message this receiver holds (deleted, received
 * again by someone else, or dead-lettered): a heartbeat that gets this has lost the message.
 */
export class InvalidReceiptError extends Error {
  readonly code = 'InvalidReceipt';
  constructor(readonly receipt: string, options?: { cause?: unknown }) {
    super(`Receipt ${receipt.length > 40 ? `${receipt.slice(0, 40)}…` : receipt} is not valid (malformed, expired or superseded)`, options);
    this.name = 'InvalidReceiptError';
  }
}

/** A message body that is not an ImageMessage (another producer, or corruption). */
export class MalformedMessageError extends Error {
  readonly code = 'MalformedMessage';
  constructor(readonly detail: string) {
    super(`Queue message is not an ImageMessage: ${detail}`);
    this.name = 'MalformedMessageError';
  }
}
