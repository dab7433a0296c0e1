import { isFacerecError } from '@facerec/core';
import type { CollectionScope, NewFace, Repositories } from '@facerec/db';
import type { FaceEngine } from '@facerec/face';
import { BlobNotFoundError, faceVectorItem, vectorCollectionKey, type ImageMessage, type VectorIndex, type BlobStore } from '@facerec/storage';

export type IngestOutcome =
  | { kind: 'indexed'; faces: number }
  | { kind: 'already-indexed' }
  /** The photo can never be indexed (not an image, gone): recorded as failed, message done. */
  | { kind: 'failed'; reason: string }
  /** Gone from the database (album deleted): nothing to do. */
  | { kind: 'dropped' };

export interface IngestDeps {
  repos: Repositories;
  blobs: BlobStore;
  vectors: VectorIndex;
  engine: FaceEngine;
}

/** Errors that will not change on retry: the photo itself is the problem. */
function permanentReason(e: unknown): string | undefined {
  if (isFacerecError(e) && (e.kind === 'InvalidImageFormat' || e.kind === 'ImageTooLarge')) return `${e.kind}: ${e.message}`;
  if (e instanceof BlobNotFoundError) return `the uploaded file is missing from the store (${e.key})`;
  return undefined;
}

/**
 * Indexes one album photo. Safe to run twice for the same message (at-least-once delivery): face
 * rows are keyed by (image, face index) and vectors by face id, so a redelivery after a crash
 * rewrites the same faces instead of adding new ones. Transient errors propagate; the message
 * then comes back after its visibility timeout.
 */
export async function ingestImage(deps: IngestDeps, message: ImageMessage): Promise<IngestOutcome> {
  const { repos } = deps;
  let image;
  try {
    image = await repos.images.markProcessing(message.tenantId, message.imageId);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ImageNotFound') return { kind: 'dropped' };
    throw e;
  }
  if (image.status === 'indexed') return { kind: 'already-indexed' };
  const album = await repos.albums.get(message.tenantId, message.albumId);
  const collection = await repos.collections.getByPk(message.tenantId, album.collectionPk);
  let analysis;
  try {
    const bytes = await deps.blobs.get(message.blobKey);
    // A busy engine (searches filling its queue) is no reason to burn one of the photo's receives.
    analysis = await deps.engine.analyze(bytes, { mode: 'album', embed: true, attributes: false, whenBusy: 'wait' });
  } catch (e) {
    const reason = permanentReason(e);
    if (!reason) throw e;
    await repos.images.markFailed(message.tenantId, message.imageId, reason);
    return { kind: 'failed', reason };
  }
  const scope: CollectionScope = { id: collection.id, tenantId: collection.tenantId };
  const rows: NewFace[] = analysis.faces.map((f, faceIndex) => ({
    imageId: message.imageId,
    externalImageId: message.imageId,
    boundingBox: f.BoundingBox,
    confidence: f.Confidence,
    landmarks: f.Landmarks,
    pose: f.Pose,
    quality: f.Quality,
    modelVersion: collection.faceModelVersion,
    embedding: f.embedding!,
    source: { albumImageId: message.imageId, faceIndex },
  }));
  const records = await repos.faces.insert(scope, rows);
  const key = vectorCollectionKey({ tenantId: collection.tenantId, collectionPk: collection.id, modelVersion: collection.faceModelVersion });
  await deps.vectors.upsert(
    key,
    records.map((r, i) => faceVectorItem({ faceId: r.faceId, imageId: r.imageId, externalImageId: r.externalImageId, userId: r.userId, modelVersion: r.modelVersion, embedding: rows[i].embedding })),
  );
  await repos.images.markIndexed(message.tenantId, message.imageId, records.length);
  return { kind: 'indexed', faces: records.length };
}
