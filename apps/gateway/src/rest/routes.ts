/**
 * REST /api/v1: each route is a row saying how an HTTP request becomes one face-service call. The
 * router and the OpenAPI document are both built from this table, so they cannot drift apart.
 * Values are only reshaped here (strings to numbers, snake_case to the SDK's members); the service
 * validates them and raises the same errors as on the AWS protocol.
 */
import { FacerecError, InvalidParameterError } from '@facerec/core';
import type { OperationName } from '@facerec/service';

export type HttpMethod = 'get' | 'post' | 'delete';

export interface RestInput {
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** Form fields (multipart) or the JSON body. */
  fields: Record<string, unknown>;
  files: Record<string, Uint8Array>;
}

export interface FieldDoc {
  name: string;
  type: 'string' | 'number' | 'integer' | 'array' | 'file';
  description: string;
  required?: boolean;
  default?: string | number;
}

export interface RestRoute {
  method: HttpMethod;
  /** Express path (`:id`); the OpenAPI path is derived from it. */
  path: string;
  operation: OperationName;
  summary: string;
  /** How the request carries its fields. */
  body: 'multipart' | 'json' | 'none';
  fields: readonly FieldDoc[];
  query?: readonly FieldDoc[];
  successStatus: 200 | 201;
  toRequest(input: RestInput): Record<string, unknown>;
  /** Turns a successful response into the REST answer (default: the response unchanged). */
  toResponse?(response: Record<string, unknown>, input: RestInput): Record<string, unknown>;
}

/** A numeric text becomes a number; anything else passes through for the service to refuse. */
export function numeric(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value;
}

/** `a,b` or a repeated field → a list; a JSON array passes through. */
export function list(value: unknown): unknown {
  if (value === undefined || Array.isArray(value)) return value;
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return value;
}

function image(input: RestInput, field: string): { Bytes: Uint8Array } {
  const bytes = input.files[field];
  if (!bytes) throw new InvalidParameterError(`Request has invalid parameters: the multipart file field "${field}" is required`);
  return { Bytes: bytes };
}

/** Drops undefined members so the service sees exactly what the client sent. */
function defined(request: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
}

const FILE = (name: string, description: string): FieldDoc => ({ name, type: 'file', description, required: true });
const PAGING: readonly FieldDoc[] = [
  { name: 'max_results', type: 'integer', description: 'Page size' },
  { name: 'next_token', type: 'string', description: 'NextToken from the previous page' },
];

export const REST_ROUTES: readonly RestRoute[] = [
  {
    method: 'post', path: '/detect-faces', operation: 'DetectFaces', body: 'multipart', successStatus: 200,
    summary: 'Detect faces in an image',
    fields: [FILE('file', 'JPEG or PNG image'), { name: 'attributes', type: 'array', description: 'DEFAULT, ALL or attribute names, comma-separated', default: 'DEFAULT' }],
    toRequest: (i) => defined({ Image: image(i, 'file'), Attributes: list(i.fields.attributes) }),
  },
  {
    method: 'post', path: '/compare-faces', operation: 'CompareFaces', body: 'multipart', successStatus: 200,
    summary: 'Compare the largest face of `source` with the faces of `target`',
    fields: [FILE('source', 'Image with the face to look for'), FILE('target', 'Image to search'), { name: 'similarity_threshold', type: 'number', description: 'Minimum similarity (0-100)', default: 80 }],
    toRequest: (i) => defined({ SourceImage: image(i, 'source'), TargetImage: image(i, 'target'), SimilarityThreshold: numeric(i.fields.similarity_threshold ?? 80) }),
  },
  {
    method: 'get', path: '/collections', operation: 'ListCollections', body: 'none', successStatus: 200,
    summary: 'List collections', fields: [], query: PAGING,
    toRequest: (i) => defined({ MaxResults: numeric(i.query.max_results), NextToken: i.query.next_token }),
  },
  {
    method: 'post', path: '/collections', operation: 'CreateCollection', body: 'json', successStatus: 201,
    summary: 'Create a collection',
    fields: [{ name: 'collection_id', type: 'string', description: 'CollectionId ([a-zA-Z0-9_.-]+)', required: true }],
    toRequest: (i) => defined({ CollectionId: i.fields.collection_id }),
  },
  {
    method: 'get', path: '/collections/:collectionId', operation: 'DescribeCollection', body: 'none', successStatus: 200,
    summary: 'Describe a collection', fields: [],
    toRequest: (i) => ({ CollectionId: i.params.collectionId }),
  },
  {
    method: 'delete', path: '/collections/:collectionId', operation: 'DeleteCollection', body: 'none', successStatus: 200,
    summary: 'Delete a collection and its faces and users', fields: [],
    toRequest: (i) => ({ CollectionId: i.params.collectionId }),
  },
  {
    method: 'post', path: '/collections/:collectionId/index-faces', operation: 'IndexFaces', body: 'multipart', successStatus: 200,
    summary: 'Detect faces in an image and add them to the collection',
    fields: [
      FILE('file', 'JPEG or PNG image'),
      { name: 'external_image_id', type: 'string', description: 'Your id for the image' },
      { name: 'max_faces', type: 'integer', description: 'Index at most this many (largest first)' },
      { name: 'quality_filter', type: 'string', description: 'NONE, AUTO, LOW, MEDIUM or HIGH', default: 'AUTO' },
      { name: 'detection_attributes', type: 'array', description: 'DEFAULT, ALL or attribute names, comma-separated' },
    ],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, Image: image(i, 'file'), ExternalImageId: i.fields.external_image_id,
      MaxFaces: numeric(i.fields.max_faces), QualityFilter: i.fields.quality_filter, DetectionAttributes: list(i.fields.detection_attributes),
    }),
  },
  {
    method: 'post', path: '/collections/:collectionId/search-faces', operation: 'SearchFacesByImage', body: 'multipart', successStatus: 200,
    summary: 'Search the collection with the largest face of an image',
    fields: [
      FILE('file', 'JPEG or PNG image'),
      { name: 'similarity_threshold', type: 'number', description: 'Minimum similarity (0-100)', default: 80 },
      { name: 'max_faces', type: 'integer', description: 'Most matches returned', default: 10 },
      { name: 'quality_filter', type: 'string', description: 'NONE, AUTO, LOW, MEDIUM or HIGH', default: 'NONE' },
    ],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, Image: image(i, 'file'), FaceMatchThreshold: numeric(i.fields.similarity_threshold ?? 80),
      MaxFaces: numeric(i.fields.max_faces ?? 10), QualityFilter: i.fields.quality_filter,
    }),
  },
  {
    method: 'get', path: '/collections/:collectionId/faces', operation: 'ListFaces', body: 'none', successStatus: 200,
    summary: 'List the faces of a collection', fields: [],
    query: [...PAGING, { name: 'user_id', type: 'string', description: 'Only faces of this user' }, { name: 'face_ids', type: 'array', description: 'Only these faces, comma-separated' }],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, MaxResults: numeric(i.query.max_results), NextToken: i.query.next_token,
      UserId: i.query.user_id, FaceIds: list(i.query.face_ids),
    }),
  },
  {
    method: 'delete', path: '/collections/:collectionId/faces/:faceId', operation: 'DeleteFaces', body: 'none', successStatus: 200,
    summary: 'Delete a face', fields: [],
    toRequest: (i) => ({ CollectionId: i.params.collectionId, FaceIds: [i.params.faceId] }),
    toResponse: (response, i) => {
      const deleted = response.DeletedFaces;
      if (!Array.isArray(deleted) || !deleted.includes(i.params.faceId)) {
        throw new FacerecError('ResourceNotFound', `Face ${i.params.faceId} not found in collection ${i.params.collectionId}`);
      }
      return response;
    },
  },
  {
    method: 'post', path: '/collections/:collectionId/faces/:faceId/search', operation: 'SearchFaces', body: 'json', successStatus: 200,
    summary: 'Search the collection with a stored face',
    fields: [
      { name: 'similarity_threshold', type: 'number', description: 'Minimum similarity (0-100)', default: 80 },
      { name: 'max_faces', type: 'integer', description: 'Most matches returned', default: 10 },
    ],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, FaceId: i.params.faceId,
      FaceMatchThreshold: numeric(i.fields.similarity_threshold ?? 80), MaxFaces: numeric(i.fields.max_faces ?? 10),
    }),
  },
  {
    method: 'post', path: '/collections/:collectionId/search-users', operation: 'SearchUsersByImage', body: 'multipart', successStatus: 200,
    summary: 'Find the users matching the largest face of an image',
    fields: [
      FILE('file', 'JPEG or PNG image'),
      { name: 'similarity_threshold', type: 'number', description: 'Minimum similarity (0-100)', default: 80 },
      { name: 'max_users', type: 'integer', description: 'Most users returned', default: 10 },
      { name: 'quality_filter', type: 'string', description: 'NONE, AUTO, LOW, MEDIUM or HIGH', default: 'NONE' },
    ],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, Image: image(i, 'file'), UserMatchThreshold: numeric(i.fields.similarity_threshold ?? 80),
      MaxUsers: numeric(i.fields.max_users ?? 10), QualityFilter: i.fields.quality_filter,
    }),
  },
  {
    method: 'get', path: '/collections/:collectionId/users', operation: 'ListUsers', body: 'none', successStatus: 200,
    summary: 'List the users of a collection', fields: [], query: PAGING,
    toRequest: (i) => defined({ CollectionId: i.params.collectionId, MaxResults: numeric(i.query.max_results), NextToken: i.query.next_token }),
  },
  {
    method: 'post', path: '/collections/:collectionId/users', operation: 'CreateUser', body: 'json', successStatus: 201,
    summary: 'Create a user',
    fields: [{ name: 'user_id', type: 'string', description: 'UserId', required: true }, { name: 'client_request_token', type: 'string', description: 'Idempotency token' }],
    toRequest: (i) => defined({ CollectionId: i.params.collectionId, UserId: i.fields.user_id, ClientRequestToken: i.fields.client_request_token }),
  },
  {
    method: 'delete', path: '/collections/:collectionId/users/:userId', operation: 'DeleteUser', body: 'none', successStatus: 200,
    summary: 'Delete a user (its faces stay, unassociated)', fields: [],
    toRequest: (i) => ({ CollectionId: i.params.collectionId, UserId: i.params.userId }),
  },
  {
    method: 'post', path: '/collections/:collectionId/users/:userId/faces/associate', operation: 'AssociateFaces', body: 'json', successStatus: 200,
    summary: 'Associate faces with a user',
    fields: [
      { name: 'face_ids', type: 'array', description: 'Face ids', required: true },
      { name: 'user_match_threshold', type: 'number', description: 'Minimum similarity of each face to the user (0-100)', default: 75 },
      { name: 'client_request_token', type: 'string', description: 'Idempotency token' },
    ],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, UserId: i.params.userId, FaceIds: list(i.fields.face_ids),
      UserMatchThreshold: numeric(i.fields.user_match_threshold), ClientRequestToken: i.fields.client_request_token,
    }),
  },
  {
    method: 'post', path: '/collections/:collectionId/users/:userId/faces/disassociate', operation: 'DisassociateFaces', body: 'json', successStatus: 200,
    summary: 'Remove faces from a user',
    fields: [{ name: 'face_ids', type: 'array', description: 'Face ids', required: true }, { name: 'client_request_token', type: 'string', description: 'Idempotency token' }],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, UserId: i.params.userId, FaceIds: list(i.fields.face_ids), ClientRequestToken: i.fields.client_request_token,
    }),
  },
  {
    method: 'post', path: '/collections/:collectionId/users/:userId/search', operation: 'SearchUsers', body: 'json', successStatus: 200,
    summary: 'Find the users most similar to a user',
    fields: [
      { name: 'similarity_threshold', type: 'number', description: 'Minimum similarity (0-100)', default: 80 },
      { name: 'max_users', type: 'integer', description: 'Most users returned', default: 10 },
    ],
    toRequest: (i) => defined({
      CollectionId: i.params.collectionId, UserId: i.params.userId,
      UserMatchThreshold: numeric(i.fields.similarity_threshold ?? 80), MaxUsers: numeric(i.fields.max_users ?? 10),
    }),
  },
];
