/**
 * Opaque pagination tokens. A token carries the sort key of the last row returned (keyset
 * pagination), so pages stay stable while rows are added or removed elsewhere in the list. The
 * `kind` prefix stops a token of one listing from being replayed against another.
 */
import { InvalidPaginationTokenError } from './errors.js';

export interface PageRequest {
  maxResults?: number;
  nextToken?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function encodeToken(kind: string, key: string): string {
  return Buffer.from(`${kind}:${key}`, 'utf8').toString('base64url');
}

export function decodeToken(kind: string, token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const prefix = `${kind}:`;
  if (!decoded.startsWith(prefix) || decoded.length === prefix.length) {
    throw new InvalidPaginationTokenError('not a token of this listing');
  }
  return decoded.slice(prefix.length);
}

/** Clamps a requested page size into [1, max], with Rekognition's defaults when absent or 0. */
export function pageSize(requested: number | undefined, fallback: number, max: number): number {
  if (requested === undefined || requested <= 0) return fallback;
  return Math.min(Math.floor(requested), max);
}

/** Callers fetch limit + 1 rows; the extra row only tells whether another page exists. */
export function toPage<T>(rows: T[], limit: number, kind: string, keyOf: (row: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextToken: encodeToken(kind, keyOf(items[items.length - 1])) };
}
