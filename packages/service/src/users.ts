import type * as R from '@aws-sdk/client-rekognition';
import { InvalidParameterError } from '@facerec/core';
import type { CollectionRecord } from '@facerec/db';
import { cosine, toFaceDetail } from '@facerec/rekognition';
import type { VectorMatch } from '@facerec/storage';
import type { Caller } from './face-api.js';
import type { ServiceContext } from './context.js';
import { qualityReasons } from './quality-filter.js';
import * as v from './validate.js';

/** Rekognition's per-user face quota, and the most vector hits one user search reads. */
const FACES_PER_USER = 100;
const MAX_QUERY = 4096;

export class UserOperations {
  constructor(private readonly ctx: ServiceContext) {}

  async CreateUser(caller: Caller, r: R.CreateUserRequest): Promise<R.CreateUserResponse> {
    const { collection, userId } = await this.target(caller, r);
    if (r.ClientRequestToken !== undefined) v.clientRequestToken(r.ClientRequestToken);
    await this.ctx.repos.users.create(this.ctx.scope(collection), userId);
    return {};
  }

  /** The user's faces stay in the collection, unassociated: their index entries lose the user. */
  async DeleteUser(caller: Caller, r: R.DeleteUserRequest): Promise<R.DeleteUserResponse> {
    const { collection, userId } = await this.target(caller, r);
    if (r.ClientRequestToken !== undefined) v.clientRequestToken(r.ClientRequestToken);
    const scope = this.ctx.scope(collection);
    await this.ctx.repos.users.get(scope, userId);
    const faces = await this.ctx.repos.faces.list(scope, { userId, maxResults: FACES_PER_USER });
    await this.ctx.repos.users.delete(scope, userId);
    await this.ctx.refreshVectors(collection, faces.items.map((f) => f.faceId));
    return {};
  }

  async ListUsers(caller: Caller, r: R.ListUsersRequest): Promise<R.ListUsersResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const maxResults = v.numberIn(r.MaxResults, 'MaxResults', 1, 500, 500, true);
    const nextToken = v.optionalString(r.NextToken, 'NextToken', 255);
    const collection = await this.ctx.collection(caller, collectionId);
    const page = await this.ctx.repos.users.list(this.ctx.scope(collection), { maxResults, nextToken });
    return { Users: page.items.map((u) => ({ UserId: u.userId, UserStatus: u.status })), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  /**
   * Faces join a user when they belong to no other user and, if the user already has faces, look
   * like them: a face below UserMatchThreshold (default 75) is LOW_MATCH_CONFIDENCE.
   */
  async AssociateFaces(caller: Caller, r: R.AssociateFacesRequest): Promise<R.AssociateFacesResponse> {
    const { collection, userId } = await this.target(caller, r);
    const faceIds = v.faceIds(v.required(r.FaceIds, 'FaceIds'), 'FaceIds', 100);
    const threshold = v.numberIn(r.UserMatchThreshold, 'UserMatchThreshold', 0, 100, 75);
    if (r.ClientRequestToken !== undefined) v.clientRequestToken(r.ClientRequestToken);
    const scope = this.ctx.scope(collection);
    await this.ctx.repos.users.get(scope, userId);
    const lowMatch = await this.lowMatches(collection, userId, faceIds, threshold);
    const result = await this.ctx.repos.users.associateFaces(scope, userId, faceIds.filter((id) => !lowMatch.has(id)));
    await this.ctx.refreshVectors(collection, result.associated);
    return {
      AssociatedFaces: result.associated.map((FaceId) => ({ FaceId })),
      UnsuccessfulFaceAssociations: [
        ...[...lowMatch].map(([FaceId, similarity]) => ({ FaceId, Confidence: similarity, Reasons: ['LOW_MATCH_CONFIDENCE' as const] })),
        ...result.unsuccessful.map((u) => ({ FaceId: u.faceId, ...(u.userId ? { UserId: u.userId } : {}), Reasons: u.reasons })),
      ],
      UserStatus: result.userStatus,
    };
  }

  async DisassociateFaces(caller: Caller, r: R.DisassociateFacesRequest): Promise<R.DisassociateFacesResponse> {
    const { collection, userId } = await this.target(caller, r);
    const faceIds = v.faceIds(v.required(r.FaceIds, 'FaceIds'), 'FaceIds', 100);
    if (r.ClientRequestToken !== undefined) v.clientRequestToken(r.ClientRequestToken);
    const result = await this.ctx.repos.users.disassociateFaces(this.ctx.scope(collection), userId, faceIds);
    await this.ctx.refreshVectors(collection, result.disassociated);
    return {
      DisassociatedFaces: result.disassociated.map((FaceId) => ({ FaceId })),
      UnsuccessfulFaceDisassociations: result.unsuccessful.map((u) => ({ FaceId: u.faceId, ...(u.userId ? { UserId: u.userId } : {}), Reasons: u.reasons })),
      UserStatus: result.userStatus,
    };
  }

  /** Users similar to one user (by all its faces) or to one face. */
  async SearchUsers(caller: Caller, r: R.SearchUsersRequest): Promise<R.SearchUsersResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const threshold = v.numberIn(r.UserMatchThreshold, 'UserMatchThreshold', 0, 100, 80);
    const maxUsers = v.numberIn(r.MaxUsers, 'MaxUsers', 1, 500, 500, true);
    if ((r.UserId === undefined) === (r.FaceId === undefined)) throw new InvalidParameterError('Request has invalid parameters: give exactly one of UserId and FaceId');
    const collection = await this.ctx.collection(caller, collectionId);
    const scope = this.ctx.scope(collection);
    if (r.FaceId !== undefined) {
      const face = await this.ctx.repos.faces.getEmbedding(scope, v.faceId(r.FaceId));
      const matches = await this.userHits(collection, [face.embedding], threshold, maxUsers);
      return { UserMatches: await this.userMatches(collection, matches, maxUsers), SearchedFace: { FaceId: face.faceId }, FaceModelVersion: collection.faceModelVersion };
    }
    const userId = v.userId(r.UserId);
    await this.ctx.repos.users.get(scope, userId);
    const faces = await this.ctx.repos.faces.list(scope, { userId, maxResults: FACES_PER_USER });
    const vectors = await Promise.all(faces.items.map(async (f) => (await this.ctx.repos.faces.getEmbedding(scope, f.faceId)).embedding));
    const matches = (await this.userHits(collection, vectors, threshold, maxUsers + 1)).filter((m) => m.userId !== userId);
    return { UserMatches: await this.userMatches(collection, matches, maxUsers), SearchedUser: { UserId: userId }, FaceModelVersion: collection.faceModelVersion };
  }

  /** The largest face of the image against the collection's users; other faces are reported. */
  async SearchUsersByImage(caller: Caller, r: R.SearchUsersByImageRequest): Promise<R.SearchUsersByImageResponse> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const threshold = v.numberIn(r.UserMatchThreshold, 'UserMatchThreshold', 0, 100, 80);
    const maxUsers = v.numberIn(r.MaxUsers, 'MaxUsers', 1, 500, 500, true);
    const filter = v.oneOf(r.QualityFilter, 'QualityFilter', v.QUALITY_FILTERS, 'NONE');
    const collection = await this.ctx.collection(caller, collectionId);
    this.ctx.assertSameModel(collection);
    const { analysis } = await this.ctx.analyze(caller, r.Image, 'Image', { mode: 'album', embed: true, attributes: false, maxFaces: 100 });
    const [largest, ...others] = analysis.faces;
    const unsearched: R.UnsearchedFace[] = others.map((f) => ({ FaceDetails: toFaceDetail(f), Reasons: ['FACE_NOT_LARGEST'] }));
    if (!largest?.embedding) return { UserMatches: [], FaceModelVersion: collection.faceModelVersion, UnsearchedFaces: unsearched };
    const reasons = qualityReasons(largest, filter, analysis.width, analysis.height);
    if (reasons.length > 0) {
      return { UserMatches: [], FaceModelVersion: collection.faceModelVersion, UnsearchedFaces: [{ FaceDetails: toFaceDetail(largest), Reasons: reasons }, ...unsearched] };
    }
    const matches = await this.userHits(collection, [largest.embedding], threshold, maxUsers);
    return {
      UserMatches: await this.userMatches(collection, matches, maxUsers),
      FaceModelVersion: collection.faceModelVersion,
      SearchedFace: { FaceDetail: toFaceDetail(largest) },
      UnsearchedFaces: unsearched,
    };
  }

  private async target(caller: Caller, r: { CollectionId?: string; UserId?: string }): Promise<{ collection: CollectionRecord; userId: string }> {
    const collectionId = v.collectionId(v.required(r.CollectionId, 'CollectionId'));
    const userId = v.userId(v.required(r.UserId, 'UserId'));
    return { collection: await this.ctx.collection(caller, collectionId), userId };
  }

  /** Faces to associate whose best similarity to the user's current faces is under the threshold. */
  private async lowMatches(collection: CollectionRecord, userId: string, faceIds: readonly string[], threshold: number): Promise<Map<string, number>> {
    const scope = this.ctx.scope(collection);
    const current = (await this.ctx.repos.faces.list(scope, { userId, maxResults: FACES_PER_USER })).items.filter((f) => !faceIds.includes(f.faceId));
    const low = new Map<string, number>();
    if (current.length === 0) return low;
    const userVectors = await Promise.all(current.map(async (f) => (await this.ctx.repos.faces.getEmbedding(scope, f.faceId)).embedding));
    const candidates = await this.ctx.repos.faces.getMany(scope, faceIds);
    for (const face of candidates) {
      const vector = (await this.ctx.repos.faces.getEmbedding(scope, face.faceId)).embedding;
      const best = Math.max(...userVectors.map((u) => this.ctx.deps.scale.similarity(cosine(u, vector))));
      if (best < threshold) low.set(face.faceId, best);
    }
    return low;
  }

  /** Best score per user over every query vector's hits among faces that have a user. */
  private async userHits(collection: CollectionRecord, vectors: readonly Float32Array[], threshold: number, maxUsers: number): Promise<{ userId: string; score: number }[]> {
    const best = new Map<string, number>();
    const minScore = this.ctx.deps.scale.cosineThreshold(threshold);
    for (const vector of vectors) {
      const hits: VectorMatch[] = await this.ctx.vectors.query(this.ctx.key(collection), vector, { topK: Math.min(MAX_QUERY, maxUsers * FACES_PER_USER), minScore, filter: { userId: { $exists: true } } });
      for (const h of hits) {
        const user = h.metadata.userId;
        if (typeof user === 'string' && (best.get(user) ?? -Infinity) < h.score) best.set(user, h.score);
      }
    }
    return [...best].map(([userId, score]) => ({ userId, score })).sort((a, b) => b.score - a.score);
  }

  private async userMatches(collection: CollectionRecord, hits: readonly { userId: string; score: number }[], maxUsers: number): Promise<R.UserMatch[]> {
    const scope = this.ctx.scope(collection);
    const out: R.UserMatch[] = [];
    for (const h of hits.slice(0, maxUsers)) {
      const user = await this.ctx.repos.users.find(scope, h.userId);
      if (user) out.push({ Similarity: this.ctx.deps.scale.similarity(h.score), User: { UserId: user.userId, UserStatus: user.status } });
    }
    return out;
  }
}
