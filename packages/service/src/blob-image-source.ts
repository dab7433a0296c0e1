/**
 * `Image.S3Object` read from facerec's own blob store: `Bucket` must name the store's bucket, and
 * `Name` is relative to the calling studio's root (`albums/<albumId>/<imageId>` for its album
 * photos, anything else under its own `tenants/<tenant>/` space). Whatever the caller cannot
 * read — another bucket, a name outside its root, a missing object — answers the same
 * InvalidS3ObjectException, so nothing about other studios' objects can be learnt.
 */
import type { S3Object } from '@aws-sdk/client-rekognition';
import { FacerecError, ImageTooLargeError } from '@facerec/core';
import { BlobNotFoundError, studioObjectKey, type BlobStore } from '@facerec/storage';
import type { Caller, ImageSource } from './face-api.js';

/** Rekognition's message for an object it cannot read. */
const UNREADABLE = 'Unable to get object metadata from S3. Check object key, region and/or access permissions.';

export function blobImageSource(blobs: BlobStore, bucket: string): ImageSource {
  return {
    async read(caller: Caller, object: S3Object, maxBytes: number): Promise<Uint8Array> {
      const key = object.Bucket === bucket && typeof object.Name === 'string' ? studioObjectKey(caller.tenantId, object.Name) : undefined;
      if (key === undefined) throw new FacerecError('InvalidS3Object', UNREADABLE);
      const head = await blobs.head(key);
      if (!head) throw new FacerecError('InvalidS3Object', UNREADABLE);
      if (head.size > maxBytes) throw new ImageTooLargeError(`Image size is too large: ${head.size} bytes (at most ${maxBytes} from S3)`);
      try {
        return await blobs.get(key);
      } catch (error) {
        if (error instanceof BlobNotFoundError) throw new FacerecError('InvalidS3Object', UNREADABLE);
        throw error;
      }
    },
  };
}
