import { Readable, Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { BlobTooLargeError } from './blob-store.js';

/**
 * Passes bytes through and fails with BlobTooLargeError the moment more than `maxBytes` have gone
 * by, so an oversized upload is cut off while streaming instead of after it has been stored.
 */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(
    private readonly key: string,
    private readonly maxBytes: number = Number.POSITIVE_INFINITY,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new BlobTooLargeError(this.key, this.maxBytes));
      return;
    }
    callback(null, chunk);
  }
}

/** A Uint8Array body becomes a one-chunk stream so both body kinds take the same path. */
export function asReadable(body: Readable | Uint8Array): Readable {
  return body instanceof Uint8Array ? Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)], { objectMode: false }) : body;
}
