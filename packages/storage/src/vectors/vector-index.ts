/**
 * The vector index: where face embeddings are searched. Postgres keeps the source copy of every
 * vector; an index can always be rebuilt from it, so adapters may trade durability for speed.
 *
 * A collection key is opaque to the index (the caller builds it from tenant, collection and model
 * version), and keys never see each other's vectors. All vectors under one key share a dimension.
 * Scores are cosine similarities in [-1, 1], highest first.
 */

export type MetadataValue = string | number | boolean;

export interface VectorMetadata {
  /** The Rekognition ImageId the face came from; deleteByImage selects on it. */
  imageId: string;
  userId?: string;
  [key: string]: MetadataValue | undefined;
}

/**
 * Equality on a field (`{ userId: 'u1' }`) or one operator per field. Every condition must hold.
 * A subset of Pinecone's filter language, so the Pinecone adapter passes it through unchanged.
 */
export type FilterCondition =
  | MetadataValue
  | { $eq: MetadataValue }
  | { $ne: MetadataValue }
  | { $in: MetadataValue[] }
  | { $nin: MetadataValue[] }
  | { $exists: boolean };

export type MetadataFilter = Record<string, FilterCondition>;

export interface VectorItem {
  id: string;
  vector: Float32Array;
  metadata: VectorMetadata;
}

export interface QueryOptions {
  topK: number;
  /** Only matches with score >= minScore (cosine). */
  minScore?: number;
  filter?: MetadataFilter;
}

export interface VectorMatch {
  id: string;
  score: number;
  metadata: VectorMetadata;
}

export interface VectorIndex {
  /** Inserts or replaces items by id. */
  upsert(collectionKey: string, items: readonly VectorItem[]): Promise<void>;
  delete(collectionKey: string, ids: readonly string[]): Promise<void>;
  deleteByImage(collectionKey: string, imageId: string): Promise<void>;
  deleteCollection(collectionKey: string): Promise<void>;
  query(collectionKey: string, vector: Float32Array, options: QueryOptions): Promise<VectorMatch[]>;
  count(collectionKey: string): Promise<number>;
  /** Every id under the key, a page at a time, no order promised (consistency checks: `facerec check`). */
  listIds(collectionKey: string): AsyncIterable<string[]>;
  close(): Promise<void>;
}

export class VectorDimensionMismatchError extends Error {
  readonly code = 'VectorDimensionMismatch';
  constructor(
    readonly collectionKey: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Collection ${collectionKey} holds ${expected}-d vectors; got ${actual}-d`);
    this.name = 'VectorDimensionMismatchError';
  }
}

export class VectorIndexError extends Error {
  readonly code = 'VectorIndex';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VectorIndexError';
  }
}
