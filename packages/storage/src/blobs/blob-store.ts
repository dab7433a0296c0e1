import type { Readable } from 'node:stream';

/** Where album photos live: S3 in production, a directory in the embedded mode. */
export interface BlobStore {
  /** Streams `body` to `key` without buffering it whole; returns the stored size in bytes. */
  put(key: string, body: Readable | Uint8Array, options?: { contentType?: string; maxBytes?: number }): Promise<{ size: number }>;
  get(key: string): Promise<Uint8Array>;
  /** undefined when absent. */
  head(key: string): Promise<{ size: number; contentType?: string } | undefined>;
  delete(keys: readonly string[]): Promise<void>;
  /** Every key under a prefix (for deleting an album). */
  list(prefix: string): AsyncIterable<string>;
  /** A URL the browser can PUT the object to directly; undefined when the store has none (filesystem). */
  presignPut(key: string, options: { contentType?: string; expiresInSeconds: number }): Promise<string | undefined>;
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  readonly code = 'BlobNotFound';
  constructor(readonly key: string) {
    super(`Blob ${key} not found`);
    this.name = 'BlobNotFoundError';
  }
}

/** The upload exceeded `maxBytes`; nothing was kept. */
export class BlobTooLargeError extends Error {
  readonly code = 'BlobTooLarge';
  constructor(readonly key: string, readonly maxBytes: number) {
    super(`Blob ${key} exceeds ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/** The store could not be reached (S3 down…): callers answer 503 and retry with backoff. */
export class BlobStoreUnavailableError extends Error {
  readonly code = 'BlobStoreUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobStoreUnavailableError';
  }
}

/** The key cannot be stored safely (empty, absolute, `..`, NUL, or clashes with the store's layout). */
export class InvalidBlobKeyError extends Error {
  readonly code = 'InvalidBlobKey';
  constructor(readonly key: string, reason: string) {
    super(`Invalid blob key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidBlobKeyError';
  }
}
