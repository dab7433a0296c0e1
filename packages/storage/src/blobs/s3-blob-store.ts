/**
 * BlobStore on S3 (or any S3-compatible store). Checksums are computed only when an operation
 * requires one: with the SDK's default, streamed puts are sent `aws-chunked` and presigned URLs
 * carry the CRC of an empty body, which S3-compatible stores (s3rver, some MinIO setups) mishandle.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { BlobNotFoundError, BlobStoreUnavailableError, BlobTooLargeError } from './blob-store.js';
import type { BlobStore } from './blob-store.js';
import { ByteLimit, asReadable } from './byte-limit.js';
import { isUnavailable } from './unavailable.js';

export interface S3BlobStoreOptions {
  bucket: string;
  region?: string;
  /** For S3-compatible stores and tests, e.g. http://127.0.0.1:4568. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`): needed by most S3-compatible stores. */
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call before BlobStoreUnavailableError (SDK default 3). */
  maxAttempts?: number;
  /** Multipart part size; the upload holds at most one part in memory (minimum 5 MiB). */
  partSizeBytes?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.partSize = Math.max(options.partSizeBytes ?? MIN_PART_SIZE, MIN_PART_SIZE);
    const config: S3ClientConfig = {
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
    this.client = new S3Client(config);
  }

  async put(key: string, body: Readable | Uint8Array, options: { contentType?: string; maxBytes?: number } = {}): Promise<{ size: number }> {
    if (body instanceof Uint8Array && options.maxBytes !== undefined && body.byteLength > options.maxBytes) {
      throw new BlobTooLargeError(key, options.maxBytes);
    }
    const limit = new ByteLimit(key, options.maxBytes);
    // pipeline (not pipe) so an error in the source also fails the upload and vice versa.
    pipeline(asReadable(body), limit, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: limit, ContentType: options.contentType },
      partSize: this.partSize,
      queueSize: 1,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      const tooLarge = limit.bytes > (options.maxBytes ?? Number.POSITIVE_INFINITY);
      if (tooLarge) {
        await this.discard(upload, key);
        throw new BlobTooLargeError(key, options.maxBytes ?? 0);
      }
      limit.destroy();
      throw this.translate(error);
    }
    return { size: limit.bytes };
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (response.Body === undefined) throw new BlobNotFoundError(key);
      return await response.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key);
      throw this.translate(error);
    }
  }

  async head(key: string): Promise<{ size: number; contentType?: string } | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const size = response.ContentLength ?? 0;
      return response.ContentType === undefined ? { size } : { size, contentType: response.ContentType };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.translate(error);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      try {
        const response = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        const failed = (response.Errors ?? []).filter((entry) => entry.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          throw new BlobStoreUnavailableError(`S3 could not delete ${failed.length} object(s): ${failed[0].Code ?? ''} ${failed[0].Message ?? ''}`);
        }
      } catch (error) {
        throw this.translate(error);
      }
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) yield object.Key;
        }
      }
    } catch (error) {
      throw this.translate(error);
    }
  }

  async presignPut(key: string, options: { contentType?: string; expiresInSeconds: number }): Promise<string> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType });
    // Signing content-type makes S3 refuse a PUT that claims another type than the one agreed.
    const signableHeaders = options.contentType === undefined ? undefined : new Set(['content-type']);
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds, ...(signableHeaders ? { signableHeaders } : {}) });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Aborts the multipart upload and removes whatever may already have landed under `key`. */
  private async discard(upload: Upload, key: string): Promise<void> {
    await upload.abort().catch(() => undefined);
    await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: [{ Key: key }], Quiet: true } })).catch(() => undefined);
  }

  private translate(error: unknown): unknown {
    if (error instanceof BlobNotFoundError || error instanceof BlobTooLargeError || error instanceof BlobStoreUnavailableError) return error;
    if (isUnavailable(error)) {
      const detail = error instanceof Error ? error.message || error.name : String(error);
      return new BlobStoreUnavailableError(`S3 bucket ${this.bucket} is unavailable: ${detail}`, { cause: error });
    }
    return error;
  }
}

function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = 'name' in error ? error.name : undefined;
  return name === 'NoSuchKey' || name === 'NotFound';
}
