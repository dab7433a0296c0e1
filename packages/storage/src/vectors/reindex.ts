/**
 * Rebuilding a vector index from Postgres, the source of truth (`facerec reindex`, or at start-up
 * when an index's count() disagrees with the database). Also the one place that decides how a
 * face's metadata looks in the index, so writers and the rebuild agree.
 */
import type { CollectionScope, FaceEmbedding, FaceRepository } from '@facerec/db';
import type { VectorIndex, VectorItem, VectorMetadata } from './vector-index.js';

export interface CollectionKeyParts {
  tenantId: string;
  /** The collection's internal id (not the Rekognition CollectionId, which a tenant may reuse). */
  collectionPk: string;
  modelVersion: string;
}

/** Vectors of different model versions are never compared: the version is part of the key. */
export function vectorCollectionKey(parts: CollectionKeyParts): string {
  return `${parts.tenantId}:${parts.collectionPk}:${parts.modelVersion}`;
}

export function faceVectorMetadata(face: Pick<FaceEmbedding, 'imageId' | 'userId' | 'externalImageId'>): VectorMetadata {
  return {
    imageId: face.imageId,
    ...(face.userId ? { userId: face.userId } : {}),
    ...(face.externalImageId ? { externalImageId: face.externalImageId } : {}),
  };
}

export function faceVectorItem(face: FaceEmbedding): VectorItem {
  return { id: face.faceId, vector: face.embedding, metadata: faceVectorMetadata(face) };
}

export interface ReindexResult {
  collectionKey: string;
  vectors: number;
}

/**
 * Replaces the index's copy of one collection with what Postgres holds. Queries during the rebuild
 * see a partial collection; run it before serving, or accept that window.
 */
export async function reindexCollection(
  index: VectorIndex,
  faces: FaceRepository,
  scope: CollectionScope,
  modelVersion: string,
  batchSize = 1000,
): Promise<ReindexResult> {
  const collectionKey = vectorCollectionKey({ tenantId: scope.tenantId, collectionPk: scope.id, modelVersion });
  await index.deleteCollection(collectionKey);
  let vectors = 0;
  for await (const batch of faces.embeddings(scope, batchSize)) {
    const items = batch.filter((face) => face.modelVersion === modelVersion).map(faceVectorItem);
    await index.upsert(collectionKey, items);
    vectors += items.length;
  }
  return { collectionKey, vectors };
}
