/**
 * The AWS JSON 1.1 value encoding: blobs travel as base64 strings, timestamps as epoch seconds
 * (a number, fractions allowed). Only the image members carry blobs in the face operations.
 */
import { InvalidParameterError } from '@facerec/core';

const IMAGE_MEMBERS = ['Image', 'SourceImage', 'TargetImage'] as const;

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces `Image.Bytes` (and Source/Target) base64 strings by their bytes, in place. */
export function decodeImageBlobs(input: JsonObject): JsonObject {
  for (const member of IMAGE_MEMBERS) {
    const image = input[member];
    if (!isJsonObject(image) || image.Bytes === undefined) continue;
    image.Bytes = decodeBase64(image.Bytes, `${member}.Bytes`);
  }
  return input;
}

export function decodeBase64(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') throw new InvalidParameterError(`${field} must be a base64-encoded string`);
  // Strict: Buffer.from(…, 'base64') silently skips junk, which would hand the decoder garbage.
  if (!isStrictBase64(value)) throw new InvalidParameterError(`${field} is not valid base64`);
  const buffer = Buffer.from(value, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Standard alphabet, length a multiple of 4, `=` only as the last one or two characters. A scan,
 * not a regular expression: a repeated group over a multi-megabyte image overflows the regexp
 * engine's stack (a 6 MB image answered InternalServerError).
 */
export function isStrictBase64(value: string): boolean {
  if (value.length % 4 !== 0) return false;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const end = value.length - padding;
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}

/** JSON.stringify with the protocol's encodings for Date and binary members. */
export function encodeResponse(value: unknown): string {
  return JSON.stringify(value ?? {}, function replacer(this: unknown, key: string, v: unknown) {
    // JSON.stringify calls toJSON before the replacer: look at the holder's raw value.
    const raw = key === '' ? v : (this as Record<string, unknown>)[key];
    if (raw instanceof Date) return raw.getTime() / 1000;
    if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    return v;
  });
}
