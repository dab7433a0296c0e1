import { MalformedMessageError } from './queue.js';
import type { ImageMessage } from './queue.js';

const FIELDS = ['albumId', 'imageId', 'blobKey', 'tenantId'] as const;

/** Checks a decoded body field by field, keeping only the known fields. */
export function toImageMessage(value: unknown): ImageMessage {
  if (typeof value !== 'object' || value === null) throw new MalformedMessageError(`expected an object, got ${typeof value}`);
  const record = value as Record<string, unknown>;
  const out: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const field of FIELDS) {
    const v = record[field];
    if (typeof v !== 'string') throw new MalformedMessageError(`${field} is ${typeof v}, expected a string`);
    out[field] = v;
  }
  return out as ImageMessage;
}

export function parseImageMessage(json: string | undefined): ImageMessage {
  if (json === undefined) throw new MalformedMessageError('empty body');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new MalformedMessageError('body is not JSON');
  }
  return toImageMessage(value);
}

export function encodeImageMessage(message: ImageMessage): string {
  return JSON.stringify({ albumId: message.albumId, imageId: message.imageId, blobKey: message.blobKey, tenantId: message.tenantId });
}
