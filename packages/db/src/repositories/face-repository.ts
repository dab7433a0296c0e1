import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  CollectionNotFoundError,
  FaceNotFoundError,
  FaceSourceConflictError,
  ImageNotFoundError,
  InvalidPaginationTokenError,
} from '../errors.js';
import { decodeToken, pageSize, toPage } from '../pagination.js';
import type { Page, PageRequest } from '../pagination.js';
import type { Database, FaceLandmarkJson, FacePoseJson, FaceQualityJson, FaceRow } from '../schema.js';
import type { CollectionScope } from './collection-repository.js';
import { FOREIGN_KEY_VIOLATION, decodeEmbedding, encodeEmbedding, hasSqlState, isUuid, uniqueUuids, violatedConstraint } from './support.js';

export interface FaceBoundingBox {
  Width: number;
  Height: number;
  Left: number;
  Top: number;
}

export interface FaceRecord {
  faceId: string;
  tenantId: string;
  collectionPk: string;
  imageId: string;
  externalImageId: string | null;
  boundingBox: FaceBoundingBox;
  confidence: number;
  landmarks: FaceLandmarkJson[];
  pose: FacePoseJson | null;
  quality: FaceQualityJson | null;
  modelVersion: string;
  userId: string | null;
  albumImageId: string | null;
  faceIndex: number | null;
  createdAt: Date;
}

export interface NewFace {
  /** Defaults to a fresh uuid. */
  faceId?: string;
  imageId: string;
  externalImageId?: string | null;
  boundingBox: FaceBoundingBox;
  confidence: number;
  landmarks?: FaceLandmarkJson[];
  pose?: FacePoseJson | null;
  quality?: FaceQualityJson | null;
  modelVersion: string;
  embedding: Float32Array;
  /** Album ingestion: the (image, face index) pair makes a retried write return the same face. */
  source?: { albumImageId: string; faceIndex: number };
}

export interface FaceEmbedding {
  faceId: string;
  imageId: string;
  externalImageId: string | null;
  userId: string | null;
  modelVersion: string;
  embedding: Float32Array;
}

export type FaceDeletionFailureReason = 'ASSOCIATED_TO_AN_EXISTING_USER' | 'FACE_NOT_FOUND';

export interface FaceDeletionResult {
  deleted: string[];
  unsuccessful: { faceId: string; userId?: string; reasons: FaceDeletionFailureReason[] }[];
}

export interface ListFacesRequest extends PageRequest {
  userId?: string;
  faceIds?: readonly string[];
}

const TOKEN_KIND = 'faces';

/** Every column but the embedding: listings never need the vector. */
const FACE_COLUMNS = [
  'id',
  'tenant_id',
  'collection_pk',
  'image_id',
  'external_image_id',
  'bbox_left',
  'bbox_top',
  'bbox_width',
  'bbox_height',
  'confidence',
  'landmarks',
  'pose',
  'quality',
  'model_version',
  'user_id',
  'album_image_id',
  'face_index',
  'created_at',
] as const;

type FaceColumns = Omit<FaceRow, 'embedding'>;

export class FaceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts faces and returns them in input order. A face whose album source (image, face index)
   * already exists is not written again: the stored face is returned instead, so a redelivered
   * queue message yields the same face ids.
   */
  async insert(scope: CollectionScope, faces: readonly NewFace[]): Promise<FaceRecord[]> {
    if (faces.length === 0) return [];
    const values = faces.map((face) => toInsertRow(scope, face));
    const rows = await this.insertRows(scope, values);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const bySource = new Map(rows.map((row) => [sourceKey(row.album_image_id, row.face_index), row]));
    return values.map((value) => {
      const row = value.album_image_id ? bySource.get(sourceKey(value.album_image_id, value.face_index)) : byId.get(value.id);
      if (!row) throw new FaceSourceConflictError(value.album_image_id ?? '', value.face_index ?? -1);
      return toFace(row);
    });
  }

  private async insertRows(scope: CollectionScope, values: ReturnType<typeof toInsertRow>[]): Promise<FaceColumns[]> {
    try {
      return await this.db
        .insertInto('faces')
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(['album_image_id', 'face_index'])
            // Updating a column to itself makes RETURNING include the existing row.
            .doUpdateSet((eb) => ({ album_image_id: eb.ref('excluded.album_image_id') }))
            .where('faces.tenant_id', '=', scope.tenantId),
        )
        .returning(FACE_COLUMNS)
        .execute();
    } catch (error) {
      if (!hasSqlState(error, FOREIGN_KEY_VIOLATION)) throw error;
      // The collection was deleted meanwhile (or the scope is not the tenant's), or an album
      // source names an image the tenant does not have.
      if (violatedConstraint(error) === 'faces_album_image_fkey') {
        throw new ImageNotFoundError(values.find((v) => v.album_image_id)?.album_image_id ?? '');
      }
      throw new CollectionNotFoundError(scope.id);
    }
  }

  async get(scope: CollectionScope, faceId: string): Promise<FaceRecord> {
    const [face] = await this.getMany(scope, [faceId]);
    if (!face) throw new FaceNotFoundError(faceId);
    return face;
  }

  /** The faces among `faceIds` that exist in the collection (unknown ids are left out). */
  async getMany(scope: CollectionScope, faceIds: readonly string[]): Promise<FaceRecord[]> {
    const ids = uniqueUuids(faceIds);
    if (ids.length === 0) return [];
    const rows = await this.scoped(scope).select(FACE_COLUMNS).where('id', 'in', ids).orderBy('id').execute();
    return rows.map(toFace);
  }

  /** SearchFaces starts from a stored face's vector. */
  async getEmbedding(scope: CollectionScope, faceId: string): Promise<FaceEmbedding> {
    if (!isUuid(faceId)) throw new FaceNotFoundError(faceId);
    const row = await this.scoped(scope)
      .select(['id', 'image_id', 'external_image_id', 'user_id', 'model_version', 'embedding'])
      .where('id', '=', faceId.toLowerCase())
      .executeTakeFirst();
    if (!row) throw new FaceNotFoundError(faceId);
    return toEmbedding(row);
  }

  /** ListFaces: ordered by face id; optionally only one user's faces or a given set of ids. */
  async list(scope: CollectionScope, request: ListFacesRequest = {}): Promise<Page<FaceRecord>> {
    const limit = pageSize(request.maxResults, 1000, 4096);
    let query = this.scoped(scope).select(FACE_COLUMNS).orderBy('id').limit(limit + 1);
    if (request.userId !== undefined) query = query.where('user_id', '=', request.userId);
    if (request.faceIds !== undefined) {
      const ids = uniqueUuids(request.faceIds);
      if (ids.length === 0) return { items: [] };
      query = query.where('id', 'in', ids);
    }
    if (request.nextToken) query = query.where('id', '>', decodeFaceToken(request.nextToken));
    const rows = await query.execute();
    const page = toPage(rows, limit, TOKEN_KIND, (row) => row.id);
    return { ...page, items: page.items.map(toFace) };
  }

  async byImage(scope: CollectionScope, imageId: string): Promise<FaceRecord[]> {
    if (!isUuid(imageId)) return [];
    const rows = await this.scoped(scope).select(FACE_COLUMNS).where('image_id', '=', imageId).orderBy('id').execute();
    return rows.map(toFace);
  }

  async count(scope: CollectionScope): Promise<number> {
    const row = await this.scoped(scope)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * DeleteFaces: a face associated with a user is kept and reported, as Rekognition does
   * (ASSOCIATED_TO_AN_EXISTING_USER); unknown ids are reported as FACE_NOT_FOUND.
   */
  async delete(scope: CollectionScope, faceIds: readonly string[]): Promise<FaceDeletionResult> {
    const ids = uniqueUuids(faceIds);
    const deleted =
      ids.length === 0
        ? []
        : await this.db
            .deleteFrom('faces')
            .where('tenant_id', '=', scope.tenantId)
            .where('collection_pk', '=', scope.id)
            .where('id', 'in', ids)
            .where('user_id', 'is', null)
            .returning('id')
            .execute();
    const deletedIds = new Set(deleted.map((row) => row.id));
    const kept = await this.getMany(
      scope,
      ids.filter((id) => !deletedIds.has(id)),
    );
    const keptById = new Map(kept.map((face) => [face.faceId, face]));
    const unsuccessful: FaceDeletionResult['unsuccessful'] = [];
    for (const requested of new Set(faceIds)) {
      const id = requested.toLowerCase();
      if (deletedIds.has(id)) continue;
      const face = keptById.get(id);
      unsuccessful.push(
        face?.userId
          ? { faceId: requested, userId: face.userId, reasons: ['ASSOCIATED_TO_AN_EXISTING_USER'] }
          : { faceId: requested, reasons: ['FACE_NOT_FOUND'] },
      );
    }
    return { deleted: [...deletedIds], unsuccessful };
  }

  /** Removes every face of one indexed image (e.g. before re-processing it); returns their ids. */
  async deleteByImage(scope: CollectionScope, imageId: string): Promise<string[]> {
    if (!isUuid(imageId)) return [];
    const rows = await this.db
      .deleteFrom('faces')
      .where('tenant_id', '=', scope.tenantId)
      .where('collection_pk', '=', scope.id)
      .where('image_id', '=', imageId)
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }

  /**
   * Every stored vector of the collection, in batches ordered by face id, for rebuilding a vector
   * index from Postgres (the source of truth).
   */
  async *embeddings(scope: CollectionScope, batchSize = 1000): AsyncGenerator<FaceEmbedding[]> {
    let after: string | undefined;
    for (;;) {
      let query = this.scoped(scope)
        .select(['id', 'image_id', 'external_image_id', 'user_id', 'model_version', 'embedding'])
        .orderBy('id')
        .limit(batchSize);
      if (after) query = query.where('id', '>', after);
      const rows = await query.execute();
      if (rows.length === 0) return;
      yield rows.map(toEmbedding);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  private scoped(scope: CollectionScope) {
    return this.db
      .selectFrom('faces')
      .where('tenant_id', '=', scope.tenantId)
      .where('collection_pk', '=', scope.id);
  }
}

function decodeFaceToken(token: string): string {
  const id = decodeToken(TOKEN_KIND, token);
  if (!isUuid(id)) throw new InvalidPaginationTokenError('malformed position');
  return id;
}

function sourceKey(albumImageId: string | null, faceIndex: number | null): string {
  return `${albumImageId}/${faceIndex}`;
}

function toInsertRow(scope: CollectionScope, face: NewFace) {
  return {
    id: face.faceId ?? randomUUID(),
    tenant_id: scope.tenantId,
    collection_pk: scope.id,
    image_id: face.imageId,
    external_image_id: face.externalImageId ?? null,
    bbox_left: face.boundingBox.Left,
    bbox_top: face.boundingBox.Top,
    bbox_width: face.boundingBox.Width,
    bbox_height: face.boundingBox.Height,
    confidence: face.confidence,
    landmarks: JSON.stringify(face.landmarks ?? []),
    pose: JSON.stringify(face.pose ?? null),
    quality: JSON.stringify(face.quality ?? null),
    model_version: face.modelVersion,
    embedding: encodeEmbedding(face.embedding),
    album_image_id: face.source?.albumImageId ?? null,
    face_index: face.source?.faceIndex ?? null,
  };
}

function toFace(row: FaceColumns): FaceRecord {
  return {
    faceId: row.id,
    tenantId: row.tenant_id,
    collectionPk: row.collection_pk,
    imageId: row.image_id,
    externalImageId: row.external_image_id,
    boundingBox: { Width: row.bbox_width, Height: row.bbox_height, Left: row.bbox_left, Top: row.bbox_top },
    confidence: row.confidence,
    landmarks: row.landmarks,
    pose: row.pose,
    quality: row.quality,
    modelVersion: row.model_version,
    userId: row.user_id,
    albumImageId: row.album_image_id,
    faceIndex: row.face_index,
    createdAt: row.created_at,
  };
}

function toEmbedding(
  row: Pick<FaceRow, 'id' | 'image_id' | 'external_image_id' | 'user_id' | 'model_version' | 'embedding'>,
): FaceEmbedding {
  return {
    faceId: row.id,
    imageId: row.image_id,
    externalImageId: row.external_image_id,
    userId: row.user_id,
    modelVersion: row.model_version,
    embedding: decodeEmbedding(row.embedding),
  };
}
