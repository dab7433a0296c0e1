import type * as R from '@aws-sdk/client-rekognition';
import { InvalidParameterError } from '@facerec/core';
import type { CollectionRecord, FaceRecord, NewFace } from '@facerec/db';
import type { AnalyzedFace, ImageAnalysis } from '@facerec/face';
import { compareFaces, toFaceDetail, type AttributeSet } from '@facerec/rekognition';
import { faceVectorItem, type VectorMatch } from '@facerec/storage';
import type { Caller } from './face-api.js';
import { imageIdFor, type ServiceContext } from './context.js';
import { qualityReasons } from './quality-filter.js';
import * as v from './validate.js';

const MAX_INDEXED_FACES = 100;
const NO_FACE = 'There are no faces in the image. Should be at least 1.';

/** DEFAULT unless anything beyond it was asked for (we compute every attribute we have then). */
function attributeSet(list: v.AttributeName[]): AttributeSet {
  return list.some((a) => a !== 'DEFAULT') ? 'ALL' : 'DEFAULT';
}

function storedDetail(r: FaceRecord): R.FaceDetail {
  return {
    BoundingBox: r.boundingBox,
    Confidence: r.confidence,
    Landmarks: r.landmarks.map((l) => ({ Type: l.Type as R.LandmarkType, X: l.X, Y: l.Y })),
    ...(r.pose ? { Pose: r.pose } : {}),
    ...(r.quality ? { Quality: r.quality } : {}),
  };
}

export class FaceOperations {
  constructor(private readonly ctx: ServiceContext) {}

  async DetectFaces(caller: Caller, r: R.DetectFacesRequest): Promise<R.DetectFacesResponse> {
    const attrs = attributeSet(v.attributes(r.Attributes, 'Attributes'));
    const { analysis } = await this.ctx.analyze(caller, r.Image, 'Image', { mode: 'album', embed: false, attributes: attrs === 'ALL', maxFaces: 100 });
    return { FaceDetails: analysis.faces.map((f) => toFaceDetail(f, attrs)), ...(analysis.orientationCorrection ? { OrientationCorrection: analysis.orientationCorrection } : {}) };
  }

  async IndexFaces(caller: Caller, r: R.IndexFacesRequest): Promise<R.IndexFacesResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const externalImageId = r.ExternalImageId === undefined ? undefined : v.externalImageId(r.ExternalImageId);
    const maxFaces = Math.min(MAX_INDEXED_FACES, v.numberIn(r.MaxFaces, 'MaxFaces', 1, Number.MAX_SAFE_INTEGER, MAX_INDEXED_FACES, true));
    const filter = v.oneOf(r.QualityFilter, 'QualityFilter', v.QUALITY_FILTERS, 'AUTO');
    const attrs = attributeSet(v.attributes(r.DetectionAttributes, 'DetectionAttributes'));
    const collection = await this.ctx.collection(caller, collectionId);
    this.ctx.assertSameModel(collection);
    const { bytes, analysis } = await this.ctx.analyze(caller, r.Image, 'Image', { mode: 'album', embed: true, attributes: attrs === 'ALL' });
    const { indexed, unindexed } = selectFaces(analysis, filter, maxFaces);
    const imageId = imageIdFor(collection.id, bytes, externalImageId);
    const records = await this.storeFaces(collection, imageId, externalImageId, indexed);
    const details = records.length === indexed.length ? indexed.map((f) => toFaceDetail(f, attrs)) : records.map(storedDetail);
    return {
      FaceRecords: records.map((rec, i) => ({ Face: this.ctx.toFace(rec), FaceDetail: details[i] })),
      UnindexedFaces: unindexed.map((u) => ({ Reasons: u.reasons, FaceDetail: toFaceDetail(u.face, attrs) })),
      FaceModelVersion: collection.faceModelVersion,
      ...(analysis.orientationCorrection ? { OrientationCorrection: analysis.orientationCorrection } : {}),
    };
  }

  /**
   * Writes faces to Postgres, then their vectors; if the index write fails the rows are removed
   * again, so the two stores never disagree. An image indexed before (same bytes, same external
   * id) returns its stored faces instead of duplicating them.
   */
  private async storeFaces(collection: CollectionRecord, imageId: string, externalImageId: string | undefined, faces: AnalyzedFace[]): Promise<FaceRecord[]> {
    const scope = this.ctx.scope(collection);
    const existing = await this.ctx.repos.faces.byImage(scope, imageId);
    if (existing.length > 0 || faces.length === 0) return existing;
    const rows: NewFace[] = faces.map((f) => ({
      imageId,
      externalImageId: externalImageId ?? null,
      boundingBox: f.BoundingBox,
      confidence: f.Confidence,
      landmarks: f.Landmarks,
      pose: f.Pose,
      quality: f.Quality,
      modelVersion: collection.faceModelVersion,
      embedding: f.embedding!,
    }));
    const records = await this.ctx.repos.faces.insert(scope, rows);
    try {
      await this.ctx.vectors.upsert(
        this.ctx.key(collection),
        records.map((rec, i) => faceVectorItem({ faceId: rec.faceId, imageId, externalImageId: rec.externalImageId, userId: null, modelVersion: rec.modelVersion, embedding: rows[i].embedding })),
      );
    } catch (e) {
      await this.ctx.repos.faces.delete(scope, records.map((rec) => rec.faceId));
      throw e;
    }
    return records;
  }

  async ListFaces(caller: Caller, r: R.ListFacesRequest): Promise<R.ListFacesResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const maxResults = v.numberIn(r.MaxResults, 'MaxResults', 0, 4096, 0, true);
    const nextToken = v.optionalString(r.NextToken, 'NextToken', 255);
    const userId = r.UserId === undefined ? undefined : v.userId(r.UserId);
    const faceIds = r.FaceIds === undefined ? undefined : v.faceIds(r.FaceIds, 'FaceIds', 4096);
    const collection = await this.ctx.collection(caller, collectionId);
    const page = await this.ctx.repos.faces.list(this.ctx.scope(collection), { maxResults, nextToken, userId, faceIds });
    return { Faces: page.items.map((f) => this.ctx.toFace(f)), FaceModelVersion: collection.faceModelVersion, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  async DeleteFaces(caller: Caller, r: R.DeleteFacesRequest): Promise<R.DeleteFacesResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const faceIds = v.faceIds(v.required(r.FaceIds, 'FaceIds'), 'FaceIds', 4096);
    const collection = await this.ctx.collection(caller, collectionId);
    const result = await this.ctx.repos.faces.delete(this.ctx.scope(collection), faceIds);
    if (result.deleted.length > 0) await this.ctx.vectors.delete(this.ctx.key(collection), result.deleted);
    return {
      DeletedFaces: result.deleted,
      UnsuccessfulFaceDeletions: result.unsuccessful.map((u) => ({ FaceId: u.faceId, ...(u.userId ? { UserId: u.userId } : {}), Reasons: u.reasons })),
    };
  }

  async SearchFaces(caller: Caller, r: R.SearchFacesRequest): Promise<R.SearchFacesResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const faceId = v.faceId(v.required(r.FaceId, 'FaceId'));
    const maxFaces = v.numberIn(r.MaxFaces, 'MaxFaces', 1, 4096, 4096, true);
    const threshold = v.numberIn(r.FaceMatchThreshold, 'FaceMatchThreshold', 0, 100, 80);
    const collection = await this.ctx.collection(caller, collectionId);
    const probe = await this.ctx.repos.faces.getEmbedding(this.ctx.scope(collection), faceId);
    const matches = (await this.query(collection, probe.embedding, maxFaces + 1, threshold)).filter((m) => m.id !== probe.faceId).slice(0, maxFaces);
    return { SearchedFaceId: probe.faceId, FaceMatches: await this.faceMatches(collection, matches), FaceModelVersion: collection.faceModelVersion };
  }

  async SearchFacesByImage(caller: Caller, r: R.SearchFacesByImageRequest): Promise<R.SearchFacesByImageResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const maxFaces = v.numberIn(r.MaxFaces, 'MaxFaces', 1, 4096, 4096, true);
    const threshold = v.numberIn(r.FaceMatchThreshold, 'FaceMatchThreshold', 0, 100, 80);
    const filter = v.oneOf(r.QualityFilter, 'QualityFilter', v.QUALITY_FILTERS, 'NONE');
    const collection = await this.ctx.collection(caller, collectionId);
    this.ctx.assertSameModel(collection);
    const { analysis } = await this.ctx.analyze(caller, r.Image, 'Image', { mode: 'selfie', embed: true, attributes: false });
    const face = analysis.faces[0];
    if (!face?.embedding) throw new InvalidParameterError(NO_FACE);
    const reasons = qualityReasons(face, filter, analysis.width, analysis.height);
    if (reasons.length > 0) throw new InvalidParameterError(`The face in the image does not pass QualityFilter ${filter}: ${reasons.join(', ')}`);
    const matches = await this.query(collection, face.embedding, maxFaces, threshold);
    return {
      SearchedFaceBoundingBox: toFaceDetail(face).BoundingBox,
      SearchedFaceConfidence: toFaceDetail(face).Confidence,
      FaceMatches: await this.faceMatches(collection, matches),
      FaceModelVersion: collection.faceModelVersion,
    };
  }

  async CompareFaces(caller: Caller, r: R.CompareFacesRequest): Promise<R.CompareFacesResponse> {
    const threshold = v.numberIn(r.SimilarityThreshold, 'SimilarityThreshold', 0, 100, 80);
    const filter = v.oneOf(r.QualityFilter, 'QualityFilter', v.QUALITY_FILTERS, 'NONE');
    const [source, target] = await Promise.all([
      this.ctx.analyze(caller, r.SourceImage, 'SourceImage', { mode: 'selfie', embed: true, attributes: false }),
      this.ctx.analyze(caller, r.TargetImage, 'TargetImage', { mode: 'album', embed: true, attributes: false, maxFaces: 100 }),
    ]);
    const passes = (a: ImageAnalysis): ImageAnalysis => ({ ...a, faces: a.faces.filter((f) => qualityReasons(f, filter, a.width, a.height).length === 0) });
    return compareFaces(passes(source.analysis), passes(target.analysis), threshold, this.ctx.deps.scale);
  }

  private query(collection: CollectionRecord, vector: Float32Array, topK: number, threshold: number): Promise<VectorMatch[]> {
    return this.ctx.vectors.query(this.ctx.key(collection), vector, { topK, minScore: this.ctx.deps.scale.cosineThreshold(threshold) });
  }

  /** Vector hits → FaceMatch with the stored Face, best first; a hit whose row is gone is dropped. */
  private async faceMatches(collection: CollectionRecord, matches: readonly VectorMatch[]): Promise<R.FaceMatch[]> {
    if (matches.length === 0) return [];
    const records = new Map((await this.ctx.repos.faces.getMany(this.ctx.scope(collection), matches.map((m) => m.id))).map((f) => [f.faceId, f]));
    return matches.flatMap((m) => {
      const rec = records.get(m.id);
      return rec ? [{ Similarity: this.ctx.deps.scale.similarity(m.score), Face: this.ctx.toFace(rec) }] : [];
    });
  }
}

interface Unindexed {
  face: AnalyzedFace;
  reasons: R.Reason[];
}

/** Largest first: faces that pass the quality filter are indexed up to maxFaces; the rest say why not. */
export function selectFaces(analysis: ImageAnalysis, filter: v.QualityFilter, maxFaces: number): { indexed: AnalyzedFace[]; unindexed: Unindexed[] } {
  const indexed: AnalyzedFace[] = [];
  const unindexed: Unindexed[] = [];
  for (const face of analysis.faces) {
    const reasons: R.Reason[] = qualityReasons(face, filter, analysis.width, analysis.height);
    if (reasons.length === 0 && indexed.length >= maxFaces) reasons.push('EXCEEDS_MAX_FACES');
    if (reasons.length > 0) unindexed.push({ face, reasons });
    else indexed.push(face);
  }
  return { indexed, unindexed };
}
