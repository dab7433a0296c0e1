import { createHash } from 'node:crypto';
import type { Face } from '@aws-sdk/client-rekognition';
import { InvalidParameterError } from '@facerec/core';
import type { CollectionRecord, CollectionScope, FaceRecord, Repositories } from '@facerec/db';
import type { AnalyzeOptions, AnalyzedFace, FaceEngine, ImageAnalysis } from '@facerec/face';
import type { SimilarityScale } from '@facerec/rekognition';
import { faceVectorItem, vectorCollectionKey, type VectorIndex } from '@facerec/storage';
import type { Caller, ImageSource } from './face-api.js';
import { imageBytes } from './images.js';
import type { Image } from '@aws-sdk/client-rekognition';

export interface FaceServiceDeps {
  repos: Repositories;
  vectors: VectorIndex;
  engine: FaceEngine;
  scale: SimilarityScale;
  imageSource?: ImageSource;
  /** Region and account-like prefix used in collection ARNs. */
  region?: string;
}

/** Rekognition refuses images under 80 pixels on a side. */
const MIN_IMAGE_SIDE = 80;

/** Shared plumbing of the operation groups: collections, keys, image analysis, mapping. */
export class ServiceContext {
  constructor(readonly deps: FaceServiceDeps) {}

  get repos(): Repositories {
    return this.deps.repos;
  }

  get vectors(): VectorIndex {
    return this.deps.vectors;
  }

  get modelVersion(): string {
    return this.deps.engine.modelVersion;
  }

  collection(caller: Caller, collectionId: string): Promise<CollectionRecord> {
    return this.repos.collections.get(caller.tenantId, collectionId);
  }

  scope(collection: CollectionRecord): CollectionScope {
    return { id: collection.id, tenantId: collection.tenantId };
  }

  key(collection: CollectionRecord): string {
    return vectorCollectionKey({ tenantId: collection.tenantId, collectionPk: collection.id, modelVersion: collection.faceModelVersion });
  }

  /** Embedding operations need the collection's vectors to come from the model this server runs. */
  assertSameModel(collection: CollectionRecord): void {
    if (collection.faceModelVersion !== this.modelVersion) {
      throw new InvalidParameterError(`Collection ${collection.collectionId} holds faces of model ${collection.faceModelVersion}; this server runs ${this.modelVersion}`);
    }
  }

  async analyze(caller: Caller, image: Image | undefined, field: string, options: AnalyzeOptions): Promise<{ bytes: Uint8Array; analysis: ImageAnalysis }> {
    const bytes = await imageBytes(caller, image, field, this.deps.imageSource);
    const analysis = await this.deps.engine.analyze(bytes, options);
    if (analysis.width < MIN_IMAGE_SIDE || analysis.height < MIN_IMAGE_SIDE) {
      throw new InvalidParameterError(`Request has invalid parameters: ${field} is ${analysis.width}x${analysis.height}; each side must be at least ${MIN_IMAGE_SIDE} pixels`);
    }
    return { bytes, analysis };
  }

  /** Re-writes the index entries of faces whose metadata (user) changed, from Postgres. */
  async refreshVectors(collection: CollectionRecord, faceIds: readonly string[]): Promise<void> {
    if (faceIds.length === 0) return;
    const scope = this.scope(collection);
    const items = [];
    for (const id of faceIds) items.push(faceVectorItem(await this.repos.faces.getEmbedding(scope, id)));
    await this.vectors.upsert(this.key(collection), items);
  }

  toFace(record: FaceRecord): Face {
    return {
      FaceId: record.faceId,
      BoundingBox: record.boundingBox,
      ImageId: record.imageId,
      ...(record.externalImageId ? { ExternalImageId: record.externalImageId } : {}),
      Confidence: record.confidence,
      IndexFacesModelVersion: record.modelVersion,
      ...(record.userId ? { UserId: record.userId } : {}),
    };
  }
}

/**
 * The ImageId of an IndexFaces call: the same image bytes with the same ExternalImageId in the same
 * collection get the same id, which is how re-indexing stays idempotent (as Rekognition documents).
 */
export function imageIdFor(collectionPk: string, bytes: Uint8Array, externalImageId: string | undefined): string {
  const h = createHash('sha256').update(collectionPk).update('\0').update(bytes).update('\0').update(externalImageId ?? '').digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5 (name-based, SHA)
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function largestFirst(faces: readonly AnalyzedFace[]): AnalyzedFace[] {
  return [...faces].sort((a, b) => b.BoundingBox.Width * b.BoundingBox.Height - a.BoundingBox.Width * a.BoundingBox.Height);
}
