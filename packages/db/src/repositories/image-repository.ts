import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AlbumNotFoundError, ImageNotFoundError, InvalidPaginationTokenError } from '../errors.js';
import { decodeToken, pageSize, toPage } from '../pagination.js';
import type { Page, PageRequest } from '../pagination.js';
import type { Database, ImageRow, ImageStatus } from '../schema.js';
import { FOREIGN_KEY_VIOLATION, hasSqlState, isUuid, uniqueUuids } from './support.js';

export interface ImageRecord {
  id: string;
  tenantId: string;
  albumId: string;
  blobKey: string;
  originalName: string | null;
  contentType: string | null;
  sizeBytes: number | null;
  status: ImageStatus;
  attempts: number;
  error: string | null;
  faceCount: number | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface NewImage {
  /** Defaults to a fresh uuid; the gateway may choose it to name the blob before the row exists. */
  id?: string;
  blobKey: string;
  originalName?: string | null;
  contentType?: string | null;
  sizeBytes?: number | null;
}

export interface ListImagesRequest extends PageRequest {
  status?: ImageStatus;
}

const TOKEN_KIND = 'images';
const INSERT_BATCH = 1000;

/**
 * Image records of albums and their processing state: queued → processing → indexed | failed.
 * Writes are idempotent where a redelivered queue message can repeat them.
 */
export class ImageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(tenantId: string, albumId: string, images: readonly NewImage[]): Promise<ImageRecord[]> {
    if (!isUuid(tenantId) || !isUuid(albumId)) throw new AlbumNotFoundError(albumId);
    if (images.length === 0) return [];
    const values = images.map((image) => ({
      id: image.id ?? randomUUID(),
      tenant_id: tenantId,
      album_id: albumId,
      blob_key: image.blobKey,
      original_name: image.originalName ?? null,
      content_type: image.contentType ?? null,
      size_bytes: image.sizeBytes ?? null,
      updated_at: new Date(),
    }));
    try {
      // One transaction, several statements: Postgres allows at most 65535 bind parameters each.
      const rows = await this.db.transaction().execute(async (trx) => {
        const inserted: ImageRow[] = [];
        for (let start = 0; start < values.length; start += INSERT_BATCH) {
          inserted.push(...(await trx.insertInto('images').values(values.slice(start, start + INSERT_BATCH)).returningAll().execute()));
        }
        return inserted;
      });
      return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toImage);
    } catch (error) {
      if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) throw new AlbumNotFoundError(albumId);
      throw error;
    }
  }

  async get(tenantId: string, imageId: string): Promise<ImageRecord> {
    if (!isUuid(tenantId) || !isUuid(imageId)) throw new ImageNotFoundError(imageId);
    const row = await this.db
      .selectFrom('images')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', imageId)
      .executeTakeFirst();
    if (!row) throw new ImageNotFoundError(imageId);
    return toImage(row);
  }

  /** The images among `imageIds` that the tenant has (unknown ids are left out), in upload order. */
  async getMany(tenantId: string, imageIds: readonly string[]): Promise<ImageRecord[]> {
    const ids = uniqueUuids(imageIds);
    if (!isUuid(tenantId) || ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('images')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids)
      .orderBy('seq')
      .execute();
    return rows.map(toImage);
  }

  /** The ids among `imageIds` that any studio's image already has (ids are one key space). */
  async takenIds(imageIds: readonly string[]): Promise<Set<string>> {
    const ids = uniqueUuids(imageIds);
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('images').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * A worker took the image: counts the attempt. An image that is already indexed is returned
   * unchanged, so a redelivered message can be acknowledged without redoing the work.
   */
  async markProcessing(tenantId: string, imageId: string): Promise<ImageRecord> {
    if (!isUuid(tenantId) || !isUuid(imageId)) throw new ImageNotFoundError(imageId);
    const row = await this.db
      .updateTable('images')
      .set((eb) => ({
        status: 'processing',
        attempts: eb('attempts', '+', 1),
        started_at: eb.fn.coalesce('started_at', eb.fn<Date>('now')),
        updated_at: new Date(),
      }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', imageId)
      .where('status', '!=', 'indexed')
      .returningAll()
      .executeTakeFirst();
    return row ? toImage(row) : this.get(tenantId, imageId);
  }

  async markIndexed(tenantId: string, imageId: string, faceCount: number): Promise<ImageRecord> {
    return this.finish(tenantId, imageId, { status: 'indexed', face_count: faceCount, error: null });
  }

  async markFailed(tenantId: string, imageId: string, reason: string): Promise<ImageRecord> {
    return this.finish(tenantId, imageId, { status: 'failed', error: reason });
  }

  /** The dashboard's "retry": back to queued; the caller enqueues a new message. */
  async requeue(tenantId: string, imageId: string): Promise<ImageRecord> {
    return this.update(tenantId, imageId, { status: 'queued', error: null, finished_at: null });
  }

  /** Undoes `add` when the rest of an upload failed. */
  async deleteMany(tenantId: string, imageIds: readonly string[]): Promise<void> {
    const ids = imageIds.filter(isUuid);
    if (!isUuid(tenantId) || ids.length === 0) return;
    await this.db.deleteFrom('images').where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
  }

  async list(tenantId: string, albumId: string, request: ListImagesRequest = {}): Promise<Page<ImageRecord>> {
    if (!isUuid(tenantId) || !isUuid(albumId)) return { items: [] };
    const limit = pageSize(request.maxResults, 1000, 4096);
    let query = this.db
      .selectFrom('images')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('album_id', '=', albumId)
      .orderBy('seq')
      .limit(limit + 1);
    if (request.status) query = query.where('status', '=', request.status);
    if (request.nextToken) query = query.where('seq', '>', decodeSeq(request.nextToken));
    const rows = await query.execute();
    const page = toPage(rows, limit, TOKEN_KIND, (row) => row.seq);
    return { ...page, items: page.items.map(toImage) };
  }

  private async finish(
    tenantId: string,
    imageId: string,
    change: { status: ImageStatus; error: string | null; face_count?: number },
  ): Promise<ImageRecord> {
    return this.update(tenantId, imageId, { ...change, finished_at: new Date() });
  }

  private async update(
    tenantId: string,
    imageId: string,
    change: { status: ImageStatus; error: string | null; face_count?: number; finished_at: Date | null },
  ): Promise<ImageRecord> {
    if (!isUuid(tenantId) || !isUuid(imageId)) throw new ImageNotFoundError(imageId);
    const row = await this.db
      .updateTable('images')
      .set({ ...change, updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', imageId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ImageNotFoundError(imageId);
    return toImage(row);
  }
}

function decodeSeq(token: string): string {
  const seq = decodeToken(TOKEN_KIND, token);
  if (!/^\d{1,18}$/.test(seq)) throw new InvalidPaginationTokenError('malformed position');
  return seq;
}

function toImage(row: ImageRow): ImageRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    albumId: row.album_id,
    blobKey: row.blob_key,
    originalName: row.original_name,
    contentType: row.content_type,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    status: row.status,
    attempts: row.attempts,
    error: row.error,
    faceCount: row.face_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
