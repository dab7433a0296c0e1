import type * as R from '@aws-sdk/client-rekognition';

/** Who is calling: every operation is scoped to one tenant (a studio). */
export interface Caller {
  tenantId: string;
}

/**
 * The Rekognition face API as a service, one method per operation, typed with the AWS SDK's own
 * request/response types. Both HTTP adapters (the AWS JSON protocol and REST /api/v1) call this;
 * it validates every field itself and throws typed FacerecErrors (mapped to Rekognition error
 * names in one place by the gateway). Image.Bytes arrive decoded (Uint8Array).
 */
export interface FaceApi {
  CreateCollection(c: Caller, r: R.CreateCollectionRequest): Promise<R.CreateCollectionResponse>;
  DescribeCollection(c: Caller, r: R.DescribeCollectionRequest): Promise<R.DescribeCollectionResponse>;
  ListCollections(c: Caller, r: R.ListCollectionsRequest): Promise<R.ListCollectionsResponse>;
  DeleteCollection(c: Caller, r: R.DeleteCollectionRequest): Promise<R.DeleteCollectionResponse>;
  DetectFaces(c: Caller, r: R.DetectFacesRequest): Promise<R.DetectFacesResponse>;
  IndexFaces(c: Caller, r: R.IndexFacesRequest): Promise<R.IndexFacesResponse>;
  ListFaces(c: Caller, r: R.ListFacesRequest): Promise<R.ListFacesResponse>;
  DeleteFaces(c: Caller, r: R.DeleteFacesRequest): Promise<R.DeleteFacesResponse>;
  SearchFaces(c: Caller, r: R.SearchFacesRequest): Promise<R.SearchFacesResponse>;
  SearchFacesByImage(c: Caller, r: R.SearchFacesByImageRequest): Promise<R.SearchFacesByImageResponse>;
  CompareFaces(c: Caller, r: R.CompareFacesRequest): Promise<R.CompareFacesResponse>;
  CreateUser(c: Caller, r: R.CreateUserRequest): Promise<R.CreateUserResponse>;
  DeleteUser(c: Caller, r: R.DeleteUserRequest): Promise<R.DeleteUserResponse>;
  ListUsers(c: Caller, r: R.ListUsersRequest): Promise<R.ListUsersResponse>;
  AssociateFaces(c: Caller, r: R.AssociateFacesRequest): Promise<R.AssociateFacesResponse>;
  DisassociateFaces(c: Caller, r: R.DisassociateFacesRequest): Promise<R.DisassociateFacesResponse>;
  SearchUsers(c: Caller, r: R.SearchUsersRequest): Promise<R.SearchUsersResponse>;
  SearchUsersByImage(c: Caller, r: R.SearchUsersByImageRequest): Promise<R.SearchUsersByImageResponse>;
}

export type OperationName = keyof FaceApi;

export const OPERATIONS: readonly OperationName[] = [
  'CreateCollection', 'DescribeCollection', 'ListCollections', 'DeleteCollection', 'DetectFaces', 'IndexFaces',
  'ListFaces', 'DeleteFaces', 'SearchFaces', 'SearchFacesByImage', 'CompareFaces', 'CreateUser', 'DeleteUser',
  'ListUsers', 'AssociateFaces', 'DisassociateFaces', 'SearchUsers', 'SearchUsersByImage',
];

/**
 * Reads `Image.S3Object` for a caller from the configured blob store (injected by the app). Only
 * the caller's own objects are readable; anything else answers as a missing object. An object
 * over `maxBytes` is refused without being read.
 */
export interface ImageSource {
  read(caller: Caller, object: R.S3Object, maxBytes: number): Promise<Uint8Array>;
}
