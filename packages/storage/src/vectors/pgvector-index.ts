/**
 * VectorIndex on pgvector: any Postgres with the `vector` extension (RDS, the pgvector docker
 * image) or PGlite with @electric-sql/pglite-pgvector.
 *
 * Layout: one table per dimension (`vector_items_d512`, …) with a typed `vector(n)` column, so a
 * dimension-specific HNSW index can be added later, plus `vector_collections` recording each
 * collection key's dimension (a key's vectors live in exactly one table, and a key never mixes
 * dimensions). The index creates its own tables on first use: they depend on the model set's
 * dimension, which the schema migrations cannot know, and the main schema must not require the
 * extension (plain Postgres deployments use Pinecone or the local index instead).
 *
 * Search is exact (`ORDER BY embedding <=> q`), which is correct under any metadata filter;
 * measured on PGlite at ~1.1 s for 100k × 512-d, so this adapter suits small and medium
 * collections; an HNSW index trades recall for speed and needs care with filters.
 */
import { sql } from '@facerec/db';
import type { Database, Kysely, RawBuilder } from '@facerec/db';
import { VectorDimensionMismatchError, VectorIndexError } from './vector-index.js';
import type { FilterCondition, MetadataFilter, QueryOptions, VectorIndex, VectorItem, VectorMatch, VectorMetadata } from './vector-index.js';

export interface PgvectorIndexOptions {
  /** Table name prefix (default `vector_items`); tables are `<prefix>_d<dimension>`. */
  tablePrefix?: string;
}

const REGISTRY = 'vector_collections';
const UPSERT_BATCH = 200;
const PREFIX = /^[a-z_][a-z0-9_]{0,40}$/;

const LIST_PAGE = 1000;

export class PgvectorIndex implements VectorIndex {
  private readonly prefix: string;
  private ready: Promise<void> | undefined;
  private readonly tables = new Map<number, Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    options: PgvectorIndexOptions = {},
  ) {
    this.prefix = options.tablePrefix ?? 'vector_items';
    if (!PREFIX.test(this.prefix)) throw new Error(`Invalid pgvector table prefix: ${this.prefix}`);
  }

  async upsert(collectionKey: string, items: readonly VectorItem[]): Promise<void> {
    if (items.length === 0) return;
    const dim = items[0].vector.length;
    for (const item of items) {
      if (item.vector.length !== dim) throw new VectorDimensionMismatchError(collectionKey, dim, item.vector.length);
    }
    await this.registerKey(collectionKey, dim);
    const table = sql.table(this.tableName(dim));
    for (let start = 0; start < items.length; start += UPSERT_BATCH) {
      const rows = items.slice(start, start + UPSERT_BATCH).map(
        (item) =>
          sql`(${collectionKey}, ${item.id}, ${item.metadata.imageId}, ${JSON.stringify(item.metadata)}::jsonb, ${toVectorLiteral(item.vector)}::vector)`,
      );
      await sql`insert into ${table} (collection_key, id, image_id, metadata, embedding)
        values ${sql.join(rows)}
        on conflict (collection_key, id) do update
        set image_id = excluded.image_id, metadata = excluded.metadata, embedding = excluded.embedding`.execute(this.db);
    }
  }

  async delete(collectionKey: string, ids: readonly string[]): Promise<void> {
    const dim = await this.dimensionOf(collectionKey);
    if (dim === undefined || ids.length === 0) return;
    await sql`delete from ${sql.table(this.tableName(dim))}
      where collection_key = ${collectionKey} and id = any(${[...ids]}::text[])`.execute(this.db);
  }

  async deleteByImage(collectionKey: string, imageId: string): Promise<void> {
    const dim = await this.dimensionOf(collectionKey);
    if (dim === undefined) return;
    await sql`delete from ${sql.table(this.tableName(dim))}
      where collection_key = ${collectionKey} and image_id = ${imageId}`.execute(this.db);
  }

  async deleteCollection(collectionKey: string): Promise<void> {
    const dim = await this.dimensionOf(collectionKey);
    if (dim === undefined) return;
    await this.db.transaction().execute(async (trx) => {
      await sql`delete from ${sql.table(this.tableName(dim))} where collection_key = ${collectionKey}`.execute(trx);
      await sql`delete from ${sql.table(REGISTRY)} where collection_key = ${collectionKey}`.execute(trx);
    });
  }

  async query(collectionKey: string, vector: Float32Array, options: QueryOptions): Promise<VectorMatch[]> {
    const dim = await this.dimensionOf(collectionKey);
    if (dim === undefined || options.topK <= 0) return [];
    if (vector.length !== dim) throw new VectorDimensionMismatchError(collectionKey, dim, vector.length);
    const query = sql`${toVectorLiteral(vector)}::vector`;
    const conditions = [sql`collection_key = ${collectionKey}`, ...filterConditions(options.filter)];
    // Cosine distance = 1 − cosine similarity; the bound keeps the ORDER BY on the bare distance.
    if (options.minScore !== undefined) conditions.push(sql`(embedding <=> ${query}) <= ${1 - options.minScore}`);
    const result = await sql<{ id: string; metadata: VectorMetadata; distance: number }>`
      select id, metadata, embedding <=> ${query} as distance
      from ${sql.table(this.tableName(dim))}
      where ${sql.join(conditions, sql` and `)}
      order by embedding <=> ${query}, id
      limit ${options.topK}`.execute(this.db);
    return result.rows.map((row) => ({ id: row.id, score: 1 - Number(row.distance), metadata: row.metadata }));
  }

  async count(collectionKey: string): Promise<number> {
    const dim = await this.dimensionOf(collectionKey);
    if (dim === undefined) return 0;
    const result = await sql<{ n: string }>`select count(*) as n from ${sql.table(this.tableName(dim))}
      where collection_key = ${collectionKey}`.execute(this.db);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Keyset pages in id order, so concurrent writes never make a page skip or repeat an id. */
  async *listIds(collectionKey: string): AsyncIterable<string[]> {
    const dim = await this.dimensionOf(collectionKey);
    if (dim === undefined) return;
    let after: string | undefined;
    for (;;) {
      const result = await sql<{ id: string }>`select id from ${sql.table(this.tableName(dim))}
        where collection_key = ${collectionKey} ${after === undefined ? sql`` : sql`and id > ${after}`}
        order by id limit ${LIST_PAGE}`.execute(this.db);
      if (result.rows.length === 0) return;
      yield result.rows.map((row) => row.id);
      after = result.rows[result.rows.length - 1].id;
    }
  }

  async close(): Promise<void> {
    // The connection belongs to the caller.
  }

  private tableName(dim: number): string {
    return `${this.prefix}_d${dim}`;
  }

  private async setUp(): Promise<void> {
    this.ready ??= (async () => {
      try {
        await sql`create extension if not exists vector`.execute(this.db);
      } catch (error) {
        this.ready = undefined;
        throw new VectorIndexError('pgvector is not available in this database (create extension vector failed)', { cause: error });
      }
      await sql`create table if not exists ${sql.table(REGISTRY)} (
        collection_key text primary key,
        dimension integer not null check (dimension > 0)
      )`.execute(this.db);
    })();
    return this.ready;
  }

  private async ensureTable(dim: number): Promise<void> {
    let creating = this.tables.get(dim);
    if (!creating) {
      const name = this.tableName(dim);
      creating = (async () => {
        await sql`create table if not exists ${sql.table(name)} (
          collection_key text not null,
          id text not null,
          image_id text not null,
          metadata jsonb not null,
          embedding ${sql.raw(`vector(${dim})`)} not null,
          primary key (collection_key, id)
        )`.execute(this.db);
        await sql`create index if not exists ${sql.id(`${name}_image_idx`)} on ${sql.table(name)} (collection_key, image_id)`.execute(
          this.db,
        );
      })();
      creating.catch(() => this.tables.delete(dim));
      this.tables.set(dim, creating);
    }
    return creating;
  }

  private async registerKey(collectionKey: string, dim: number): Promise<void> {
    if (!Number.isInteger(dim) || dim <= 0) throw new VectorIndexError(`Invalid vector dimension ${dim}`);
    await this.setUp();
    await this.ensureTable(dim);
    await sql`insert into ${sql.table(REGISTRY)} (collection_key, dimension) values (${collectionKey}, ${dim})
      on conflict (collection_key) do nothing`.execute(this.db);
    const registered = await this.dimensionOf(collectionKey);
    if (registered !== dim) throw new VectorDimensionMismatchError(collectionKey, registered ?? dim, dim);
  }

  private async dimensionOf(collectionKey: string): Promise<number | undefined> {
    await this.setUp();
    const result = await sql<{ dimension: number }>`select dimension from ${sql.table(REGISTRY)}
      where collection_key = ${collectionKey}`.execute(this.db);
    return result.rows[0]?.dimension;
  }
}

function toVectorLiteral(vector: Float32Array): string {
  for (const x of vector) if (!Number.isFinite(x)) throw new VectorIndexError('Vectors must contain only finite numbers');
  return `[${Array.from(vector).join(',')}]`;
}

function filterConditions(filter: MetadataFilter | undefined): RawBuilder<unknown>[] {
  return Object.entries(filter ?? {}).map(([field, condition]) => filterCondition(field, condition));
}

/** Translates one field condition to SQL on the jsonb metadata; values are always parameters. */
function filterCondition(field: string, condition: FilterCondition): RawBuilder<unknown> {
  const contains = (value: unknown) => sql`metadata @> ${JSON.stringify({ [field]: value })}::jsonb`;
  const inList = (values: unknown[]) =>
    sql`exists (select 1 from jsonb_array_elements(${JSON.stringify(values)}::jsonb) as candidate(value)
      where candidate.value = metadata -> ${field})`;
  if (typeof condition !== 'object') return contains(condition);
  if ('$eq' in condition) return contains(condition.$eq);
  if ('$ne' in condition) return sql`not (${contains(condition.$ne)})`;
  if ('$in' in condition) return inList(condition.$in);
  if ('$nin' in condition) return sql`not (${inList(condition.$nin)})`;
  return condition.$exists ? sql`(metadata -> ${field}) is not null` : sql`(metadata -> ${field}) is null`;
}
