import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  CollectionAlreadyExistsError,
  CollectionNotFoundError,
  InvalidPaginationTokenError,
  TenantNotFoundError,
} from '../errors.js';
import { decodeToken, pageSize, toPage } from '../pagination.js';
import type { Page, PageRequest } from '../pagination.js';
import type { CollectionRow, Database } from '../schema.js';
import { FOREIGN_KEY_VIOLATION, hasSqlState, isUuid } from './support.js';
import type { LookupCache } from '../changes/lookup-cache.js';
import { collectionCacheKey } from '../changes/lookup-caches.js';

export interface CollectionRecord {
  /** Internal key; faces, users and albums reference it. */
  id: string;
  tenantId: string;
  collectionId: string;
  arn: string;
  faceModelVersion: string;
  createdAt: Date;
}

/** What the face, user and album repositories need to scope a query to one collection. */
export type CollectionScope = Pick<CollectionRecord, 'id' | 'tenantId'>;

export interface CollectionDescription extends CollectionRecord {
  faceCount: number;
  userCount: number;
}

export interface NewCollection {
  tenantId: string;
  collectionId: string;
  arn: string;
  faceModelVersion: string;
}

const TOKEN_KIND = 'collections';

export class CollectionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** Rows by tenant and collection id (gateways pass one; see createLookupCaches). */
    private readonly cache?: LookupCache<CollectionRow>,
  ) {}

  async create(input: NewCollection): Promise<CollectionRecord> {
    if (!isUuid(input.tenantId)) throw new TenantNotFoundError(input.tenantId);
    try {
      const row = await this.db
        .insertInto('collections')
        .values({
          id: randomUUID(),
          tenant_id: input.tenantId,
          collection_id: input.collectionId,
          arn: input.arn,
          face_model_version: input.faceModelVersion,
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'collection_id']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new CollectionAlreadyExistsError(input.collectionId);
      return toCollection(row);
    } catch (error) {
      if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) throw new TenantNotFoundError(input.tenantId);
      throw error;
    }
  }

  /** By internal key (albums and faces reference collections by it). */
  async getByPk(tenantId: string, pk: string): Promise<CollectionRecord> {
    if (!isUuid(tenantId) || !isUuid(pk)) throw new CollectionNotFoundError(pk);
    const row = await this.db.selectFrom('collections').selectAll().where('tenant_id', '=', tenantId).where('id', '=', pk).executeTakeFirst();
    if (!row) throw new CollectionNotFoundError(pk);
    return toCollection(row);
  }

  async find(tenantId: string, collectionId: string): Promise<CollectionRecord | undefined> {
    if (!isUuid(tenantId)) return undefined;
    const load = (): Promise<CollectionRow | undefined> =>
      this.db.selectFrom('collections').selectAll().where('tenant_id', '=', tenantId).where('collection_id', '=', collectionId).executeTakeFirst();
    const row = await (this.cache ? this.cache.get(collectionCacheKey(tenantId, collectionId), load) : load());
    return row && toCollection(row);
  }

  /** Another tenant's collection is reported exactly like a missing one. */
  async get(tenantId: string, collectionId: string): Promise<CollectionRecord> {
    const collection = await this.find(tenantId, collectionId);
    if (!collection) throw new CollectionNotFoundError(collectionId);
    return collection;
  }

  async describe(tenantId: string, collectionId: string): Promise<CollectionDescription> {
    const collection = await this.get(tenantId, collectionId);
    // Counted, not maintained: an index-only count stays correct under concurrent writers.
    const counts = await this.db
      .selectNoFrom((eb) => [
        eb
          .selectFrom('faces')
          .select((inner) => inner.fn.countAll<string>().as('n'))
          .where('collection_pk', '=', collection.id)
          .as('faces'),
        eb
          .selectFrom('users')
          .select((inner) => inner.fn.countAll<string>().as('n'))
          .where('collection_pk', '=', collection.id)
          .as('users'),
      ])
      .executeTakeFirstOrThrow();
    return { ...collection, faceCount: Number(counts.faces), userCount: Number(counts.users) };
  }

  /** In creation order; Rekognition's MaxResults is at most 4096. */
  async list(tenantId: string, page: PageRequest = {}): Promise<Page<CollectionRecord>> {
    const limit = pageSize(page.maxResults, 1000, 4096);
    if (!isUuid(tenantId)) return { items: [] };
    let query = this.db
      .selectFrom('collections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('seq')
      .limit(limit + 1);
    if (page.nextToken) query = query.where('seq', '>', decodeSeq(page.nextToken));
    const rows = await query.execute();
    const result = toPage(rows, limit, TOKEN_KIND, (row) => row.seq);
    return { ...result, items: result.items.map(toCollection) };
  }

  /** Deletes the collection; its faces, users and albums go with it (cascading keys). */
  async delete(tenantId: string, collectionId: string): Promise<CollectionRecord> {
    if (!isUuid(tenantId)) throw new CollectionNotFoundError(collectionId);
    const row = await this.db
      .deleteFrom('collections')
      .where('tenant_id', '=', tenantId)
      .where('collection_id', '=', collectionId)
      .returningAll()
      .executeTakeFirst();
    this.cache?.invalidate(collectionCacheKey(tenantId, collectionId));
    if (!row) throw new CollectionNotFoundError(collectionId);
    return toCollection(row);
  }
}

function decodeSeq(token: string): string {
  const seq = decodeToken(TOKEN_KIND, token);
  if (!/^\d{1,18}$/.test(seq)) throw new InvalidPaginationTokenError('malformed position');
  return seq;
}

function toCollection(row: CollectionRow): CollectionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    collectionId: row.collection_id,
    arn: row.arn,
    faceModelVersion: row.face_model_version,
    createdAt: row.created_at,
  };
}
