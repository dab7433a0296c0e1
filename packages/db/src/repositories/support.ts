/** Small helpers shared by the repositories. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids arrive from API callers; a malformed one is simply "not found", never a SQL error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function uniqueUuids(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.toLowerCase()))].filter(isUuid);
}

/** True when a node-postgres error carries the given SQLSTATE (e.g. 23503 foreign key). */
export function hasSqlState(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

export const FOREIGN_KEY_VIOLATION = '23503';

/** The constraint a node-postgres error names, if any. */
export function violatedConstraint(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('constraint' in error)) return undefined;
  return typeof error.constraint === 'string' ? error.constraint : undefined;
}

/** Float32 little-endian, independent of the host's byte order. */
export function encodeEmbedding(vector: Float32Array): Buffer {
  const buffer = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i], i * 4);
  return buffer;
}

export function decodeEmbedding(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`Embedding byte length ${bytes.byteLength} is not a multiple of 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}
