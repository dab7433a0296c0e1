import type { Image } from '@aws-sdk/client-rekognition';
import { ImageTooLargeError, InvalidParameterError } from '@facerec/core';
import type { Caller, ImageSource } from './face-api.js';

/** Rekognition's limits: 5 MB for bytes in the request, 15 MB for an S3 object. */
export const MAX_BYTES_INLINE = 5 * 1024 * 1024;
export const MAX_BYTES_S3 = 15 * 1024 * 1024;

/** Resolves an `Image` (Bytes xor S3Object) to bytes within Rekognition's size limits. */
export async function imageBytes(caller: Caller, image: Image | undefined, field: string, source: ImageSource | undefined): Promise<Uint8Array> {
  if (!image || typeof image !== 'object') throw new InvalidParameterError(`Request has invalid parameters: ${field} is required`);
  const { Bytes: bytes, S3Object: s3 } = image;
  if (bytes !== undefined && s3 !== undefined) throw new InvalidParameterError(`Request has invalid parameters: ${field} takes Bytes or S3Object, not both`);
  if (bytes !== undefined) {
    if (!(bytes instanceof Uint8Array)) throw new InvalidParameterError(`Request has invalid parameters: ${field}.Bytes must be binary`);
    if (bytes.byteLength < 1) throw new InvalidParameterError(`Request has invalid parameters: ${field}.Bytes is empty`);
    if (bytes.byteLength > MAX_BYTES_INLINE) throw new ImageTooLargeError(`Image size is too large: ${bytes.byteLength} bytes (at most ${MAX_BYTES_INLINE} as Bytes)`);
    return bytes;
  }
  if (s3 !== undefined) {
    if (!source) throw new InvalidParameterError(`Request has invalid parameters: ${field}.S3Object is not available on this server (no blob store configured)`);
    if (!s3.Bucket || !s3.Name) throw new InvalidParameterError(`Request has invalid parameters: ${field}.S3Object needs Bucket and Name`);
    const data = await source.read(caller, s3, MAX_BYTES_S3);
    if (data.byteLength > MAX_BYTES_S3) throw new ImageTooLargeError(`Image size is too large: ${data.byteLength} bytes (at most ${MAX_BYTES_S3} from S3)`);
    return data;
  }
  throw new InvalidParameterError(`Request has invalid parameters: ${field} needs Bytes or S3Object`);
}
