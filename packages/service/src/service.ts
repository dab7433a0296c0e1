import { CollectionOperations } from './collections.js';
import { ServiceContext, type FaceServiceDeps } from './context.js';
import type { FaceApi } from './face-api.js';
import { FaceOperations } from './faces.js';
import { UserOperations } from './users.js';

/** The Rekognition face API over Postgres (repositories), a vector index and the face engine. */
export function createFaceService(deps: FaceServiceDeps): FaceApi {
  const ctx = new ServiceContext(deps);
  const collections = new CollectionOperations(ctx);
  const faces = new FaceOperations(ctx);
  const users = new UserOperations(ctx);
  return {
    CreateCollection: (c, r) => collections.CreateCollection(c, r),
    DescribeCollection: (c, r) => collections.DescribeCollection(c, r),
    ListCollections: (c, r) => collections.ListCollections(c, r),
    DeleteCollection: (c, r) => collections.DeleteCollection(c, r),
    DetectFaces: (c, r) => faces.DetectFaces(c, r),
    IndexFaces: (c, r) => faces.IndexFaces(c, r),
    ListFaces: (c, r) => faces.ListFaces(c, r),
    DeleteFaces: (c, r) => faces.DeleteFaces(c, r),
    SearchFaces: (c, r) => faces.SearchFaces(c, r),
    SearchFacesByImage: (c, r) => faces.SearchFacesByImage(c, r),
    CompareFaces: (c, r) => faces.CompareFaces(c, r),
    CreateUser: (c, r) => users.CreateUser(c, r),
    DeleteUser: (c, r) => users.DeleteUser(c, r),
    ListUsers: (c, r) => users.ListUsers(c, r),
    AssociateFaces: (c, r) => users.AssociateFaces(c, r),
    DisassociateFaces: (c, r) => users.DisassociateFaces(c, r),
    SearchUsers: (c, r) => users.SearchUsers(c, r),
    SearchUsersByImage: (c, r) => users.SearchUsersByImage(c, r),
  };
}
