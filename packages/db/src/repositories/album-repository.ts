import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AlbumNotFoundError, CollectionNotFoundError } from '../errors.js';
import type { AlbumRow, Database, ImageStatus } from '../schema.js';
import type { CollectionScope } from './collection-repository.js';
import { FOREIGN_KEY_VIOLATION, hasSqlState, isUuid } from './support.js';

export interface AlbumRecord {
  id: string;
  tenantId: string;
  collectionPk: string;
  name: string;
  createdAt: Date;
  shareToken: string;
  selfieSearch: boolean;
}

export interface AlbumProgress {
  images: Record<ImageStatus, number>;
  total: number;
  /** Faces found in indexed images. */
  faces: number;
  /** First image picked up / last image finished: with `indexed` they give a rate and an ETA. */
  firstStartedAt: Date | null;
  lastFinishedAt: Date | null;
}

export class AlbumRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** An album is a collection plus its image records. */
  async create(collection: CollectionScope, name: string, id: string = randomUUID()): Promise<AlbumRecord> {
    try {
      const row = await this.db
        .insertInto('albums')
        .values({ id, tenant_id: collection.tenantId, collection_pk: collection.id, name, share_token: randomBytes(18).toString('base64url') })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAlbum(row);
    } catch (error) {
      if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) throw new CollectionNotFoundError(collection.id);
      throw error;
    }
  }

  async get(tenantId: string, albumId: string): Promise<AlbumRecord> {
    if (!isUuid(tenantId) || !isUuid(albumId)) throw new AlbumNotFoundError(albumId);
    const row = await this.db
      .selectFrom('albums')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', albumId)
      .executeTakeFirst();
    if (!row) throw new AlbumNotFoundError(albumId);
    return toAlbum(row);
  }

  async list(tenantId: string): Promise<AlbumRecord[]> {
    if (!isUuid(tenantId)) return [];
    const rows = await this.db
      .selectFrom('albums')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toAlbum);
  }

  /** The storefront's lookup: an album by its share token, whatever its tenant. */
  async findByShareToken(shareToken: string): Promise<AlbumRecord | undefined> {
    const row = await this.db.selectFrom('albums').selectAll().where('share_token', '=', shareToken).executeTakeFirst();
    return row && toAlbum(row);
  }

  async update(tenantId: string, albumId: string, change: { name?: string; selfieSearch?: boolean }): Promise<AlbumRecord> {
    await this.get(tenantId, albumId);
    if (change.name === undefined && change.selfieSearch === undefined) return this.get(tenantId, albumId);
    const row = await this.db
      .updateTable('albums')
      .set({ ...(change.name !== undefined ? { name: change.name } : {}), ...(change.selfieSearch !== undefined ? { selfie_search: change.selfieSearch } : {}) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', albumId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAlbum(row);
  }

  /** Deletes the album and its images; faces written from those images go with them. */
  async delete(tenantId: string, albumId: string): Promise<void> {
    if (!isUuid(tenantId) || !isUuid(albumId)) throw new AlbumNotFoundError(albumId);
    const result = await this.db
      .deleteFrom('albums')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', albumId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new AlbumNotFoundError(albumId);
  }

  async progress(tenantId: string, albumId: string): Promise<AlbumProgress> {
    await this.get(tenantId, albumId);
    const rows = await this.db
      .selectFrom('images')
      .select((eb) => [
        'status',
        eb.fn.countAll<string>().as('n'),
        eb.fn.sum<string | null>('face_count').as('faces'),
        eb.fn.min('started_at').as('first_started'),
        eb.fn.max('finished_at').as('last_finished'),
      ])
      .where('tenant_id', '=', tenantId)
      .where('album_id', '=', albumId)
      .groupBy('status')
      .execute();
    const progress: AlbumProgress = {
      images: { queued: 0, processing: 0, indexed: 0, failed: 0 },
      total: 0,
      faces: 0,
      firstStartedAt: null,
      lastFinishedAt: null,
    };
    for (const row of rows) {
      const count = Number(row.n);
      progress.images[row.status] = count;
      progress.total += count;
      if (row.status === 'indexed') progress.faces = Number(row.faces ?? 0);
      progress.firstStartedAt = earliest(progress.firstStartedAt, row.first_started);
      progress.lastFinishedAt = latest(progress.lastFinishedAt, row.last_finished);
    }
    return progress;
  }
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  return b && b < a ? b : a;
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  return b && b > a ? b : a;
}

function toAlbum(row: AlbumRow): AlbumRecord {
  return { id: row.id, tenantId: row.tenant_id, collectionPk: row.collection_pk, name: row.name, createdAt: row.created_at, shareToken: row.share_token, selfieSearch: row.selfie_search };
}
