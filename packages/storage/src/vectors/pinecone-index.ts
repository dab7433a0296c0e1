/**
 * VectorIndex on Pinecone (production): one Pinecone index with metric `cosine` and the model's
 * dimension, one namespace per collection key. Metadata filters pass through unchanged: our filter
 * type is a subset of Pinecone's language.
 *
 * Pinecone is eventually consistent: a vector may be missing from queries for a moment after its
 * upsert. Postgres stays the source of truth for everything the API returns about faces.
 */
import { Errors, Pinecone } from '@pinecone-database/pinecone';
import type { Index, PineconeRecord, RecordMetadata } from '@pinecone-database/pinecone';
import { VectorIndexError } from './vector-index.js';
import type { QueryOptions, VectorIndex, VectorItem, VectorMatch, VectorMetadata } from './vector-index.js';

export interface PineconeIndexOptions {
  apiKey: string;
  /** The index's data-plane host (from the console or describeIndex), e.g. https://faces-abc.svc.pinecone.io */
  host: string;
}

/** Documented request limits: 1000 ids per delete; upserts at most 2 MB (about 100 512-d vectors as JSON). */
const UPSERT_BATCH = 100;
const DELETE_BATCH = 1000;
const MAX_TOP_K = 10000;
/** `list` returns at most 100 ids per page. */
const LIST_PAGE = 100;

export class PineconeIndex implements VectorIndex {
  /** Builds the client; `host` may be http:// for a local stand-in. */
  static connect(options: PineconeIndexOptions): PineconeIndex {
    const client = new Pinecone({ apiKey: options.apiKey });
    return new PineconeIndex(client.index({ host: options.host }));
  }

  constructor(private readonly index: Index) {}

  async upsert(collectionKey: string, items: readonly VectorItem[]): Promise<void> {
    const namespace = this.index.namespace(collectionKey);
    for (let start = 0; start < items.length; start += UPSERT_BATCH) {
      const records: PineconeRecord[] = items.slice(start, start + UPSERT_BATCH).map((item) => ({
        id: item.id,
        values: Array.from(item.vector),
        metadata: toPineconeMetadata(item.metadata),
      }));
      await this.call('upsert', () => namespace.upsert({ records }));
    }
  }

  async delete(collectionKey: string, ids: readonly string[]): Promise<void> {
    const namespace = this.index.namespace(collectionKey);
    for (let start = 0; start < ids.length; start += DELETE_BATCH) {
      const batch = ids.slice(start, start + DELETE_BATCH);
      await this.call('delete', () => namespace.deleteMany({ ids: batch }));
    }
  }

  /**
   * Delete by metadata filter: documented for serverless indexes since Pinecone's October 2025
   * release (before that only pod-based indexes accepted it).
   */
  async deleteByImage(collectionKey: string, imageId: string): Promise<void> {
    const namespace = this.index.namespace(collectionKey);
    await this.call('deleteByImage', () => namespace.deleteMany({ filter: { imageId: { $eq: imageId } } }));
  }

  async deleteCollection(collectionKey: string): Promise<void> {
    try {
      await this.index.namespace(collectionKey).deleteAll();
    } catch (error) {
      // Pinecone answers 404 for a namespace that holds nothing: already deleted is fine.
      if (error instanceof Errors.PineconeNotFoundError) return;
      throw new VectorIndexError(`Pinecone deleteCollection failed: ${describe(error)}`, { cause: error });
    }
  }

  async query(collectionKey: string, vector: Float32Array, options: QueryOptions): Promise<VectorMatch[]> {
    if (options.topK <= 0) return [];
    const filter = options.filter && Object.keys(options.filter).length > 0 ? options.filter : undefined;
    const response = await this.call('query', () =>
      this.index.namespace(collectionKey).query({
        vector: Array.from(vector),
        topK: Math.min(options.topK, MAX_TOP_K),
        includeMetadata: true,
        ...(filter ? { filter } : {}),
      }),
    );
    const minScore = options.minScore ?? -Infinity;
    return response.matches
      .filter((match) => (match.score ?? -Infinity) >= minScore)
      .map((match) => ({ id: match.id, score: match.score ?? 0, metadata: fromPineconeMetadata(match.metadata) }));
  }

  async count(collectionKey: string): Promise<number> {
    const stats = await this.call('count', () => this.index.describeIndexStats());
    return stats.namespaces?.[collectionKey]?.recordCount ?? 0;
  }

  /** Pinecone's `list` (serverless indexes): pages of up to 100 ids, then a pagination token. */
  async *listIds(collectionKey: string): AsyncIterable<string[]> {
    const namespace = this.index.namespace(collectionKey);
    let paginationToken: string | undefined;
    do {
      const token = paginationToken;
      const page = await this.call('listIds', () => namespace.listPaginated({ limit: LIST_PAGE, ...(token ? { paginationToken: token } : {}) }));
      const ids = (page.vectors ?? []).map((v) => v.id).filter((id): id is string => typeof id === 'string');
      if (ids.length > 0) yield ids;
      paginationToken = page.pagination?.next;
    } while (paginationToken);
  }

  async close(): Promise<void> {
    // The client holds no connections that need closing (fetch keep-alive idles out on its own).
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new VectorIndexError(`Pinecone ${operation} failed: ${describe(error)}`, { cause: error });
    }
  }
}

/** Pinecone rejects null and undefined metadata values: absent fields are left out. */
function toPineconeMetadata(metadata: VectorMetadata): RecordMetadata {
  const out: RecordMetadata = {};
  for (const [key, value] of Object.entries(metadata)) if (value !== undefined) out[key] = value;
  return out;
}

function fromPineconeMetadata(metadata: RecordMetadata | undefined): VectorMetadata {
  const out: VectorMetadata = { imageId: '' };
  for (const [key, value] of Object.entries(metadata ?? {})) {
    // We only ever write scalars; a list value would come from someone else's writes.
    if (!Array.isArray(value)) out[key] = value;
  }
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
