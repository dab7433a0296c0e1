/**
 * The one place where errors become wire errors: FacerecError kinds, DbError codes, the gateway's
 * own protocol/auth errors and the HTTP plumbing's errors (multer, body-parser) each map to a
 * Rekognition error name plus an HTTP status for the AWS JSON protocol and another for REST.
 *
 * AWS statuses follow Rekognition's API reference: every client error is 400 (ResourceNotFound,
 * AccessDenied and the auth errors included), InternalServerError and ThrottlingException are 500.
 * REST uses the status a REST client expects for the same name.
 */
import multer from 'multer';
import { isFacerecError, type ErrorKind } from '@facerec/core';
import { DbError } from '@facerec/db';
import { isDatabaseUnavailable } from '@facerec/storage';

/** Errors raised by the gateway itself, before a request reaches the face service. */
export type GatewayErrorName =
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'NotFoundException'
  | 'ThrottlingException';

export class GatewayError extends Error {
  constructor(
    readonly errorName: GatewayErrorName,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }
}

/** A storefront client exceeded its rate limit: 429 ThrottlingException with Retry-After. */
export class RateLimitedError extends GatewayError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('ThrottlingException', message);
  }
}

export interface WireError {
  /** The Rekognition error name (`__type`). */
  name: string;
  message: string;
  awsStatus: number;
  restStatus: number;
  /** For 429/503: the client should wait this long (REST Retry-After). */
  retryAfterSeconds?: number;
  /** A server fault: logged at error level with its cause, its message hidden from the client. */
  fault: boolean;
}

interface Mapping {
  name: string;
  aws: number;
  rest: number;
  retryAfter?: number;
}

const KIND_MAP: Record<ErrorKind, Mapping> = {
  InvalidImageFormat: { name: 'InvalidImageFormatException', aws: 400, rest: 415 },
  ImageTooLarge: { name: 'ImageTooLargeException', aws: 400, rest: 413 },
  InvalidParameter: { name: 'InvalidParameterException', aws: 400, rest: 400 },
  ResourceNotFound: { name: 'ResourceNotFoundException', aws: 400, rest: 404 },
  ResourceAlreadyExists: { name: 'ResourceAlreadyExistsException', aws: 400, rest: 409 },
  ResourceInUse: { name: 'ResourceInUseException', aws: 400, rest: 409 },
  AccessDenied: { name: 'AccessDeniedException', aws: 400, rest: 403 },
  Unauthenticated: { name: 'UnrecognizedClientException', aws: 400, rest: 401 },
  InvalidPaginationToken: { name: 'InvalidPaginationTokenException', aws: 400, rest: 400 },
  Conflict: { name: 'ConflictException', aws: 400, rest: 409 },
  ServiceQuotaExceeded: { name: 'ServiceQuotaExceededException', aws: 400, rest: 409 },
  InvalidS3Object: { name: 'InvalidS3ObjectException', aws: 400, rest: 400 },
  IdempotentParameterMismatch: { name: 'IdempotentParameterMismatchException', aws: 400, rest: 409 },
  // The engine's queue is full: Rekognition's "exceeded your throughput limit" is the client-side
  // back-off signal (the SDK retries it with backoff).
  Throttled: { name: 'ProvisionedThroughputExceededException', aws: 400, rest: 429, retryAfter: 1 },
  // A dependency is down: Rekognition's "temporarily unable to process the request" (500, retried).
  ServiceUnavailable: { name: 'ThrottlingException', aws: 500, rest: 503, retryAfter: 5 },
  Internal: { name: 'InternalServerError', aws: 500, rest: 500 },
};

/** Storage-layer codes, as the kind they mean to a caller. */
const DB_CODE_KIND: Record<string, ErrorKind> = {
  TenantNotFound: 'ResourceNotFound',
  CollectionNotFound: 'ResourceNotFound',
  FaceNotFound: 'ResourceNotFound',
  UserNotFound: 'ResourceNotFound',
  AlbumNotFound: 'ResourceNotFound',
  ImageNotFound: 'ResourceNotFound',
  ApiKeyNotFound: 'ResourceNotFound',
  CollectionAlreadyExists: 'ResourceAlreadyExists',
  UserAlreadyExists: 'Conflict',
  UserFaceLimitExceeded: 'ServiceQuotaExceeded',
  InvalidPaginationToken: 'InvalidPaginationToken',
  DatabaseUnavailable: 'ServiceUnavailable',
};

const GATEWAY_MAP: Record<GatewayErrorName, Mapping> = {
  SerializationException: { name: 'SerializationException', aws: 400, rest: 400 },
  UnknownOperationException: { name: 'UnknownOperationException', aws: 400, rest: 404 },
  MissingAuthenticationTokenException: { name: 'MissingAuthenticationTokenException', aws: 400, rest: 401 },
  IncompleteSignatureException: { name: 'IncompleteSignatureException', aws: 400, rest: 401 },
  InvalidSignatureException: { name: 'InvalidSignatureException', aws: 400, rest: 401 },
  UnrecognizedClientException: { name: 'UnrecognizedClientException', aws: 400, rest: 401 },
  NotFoundException: { name: 'NotFoundException', aws: 404, rest: 404 },
  ThrottlingException: { name: 'ThrottlingException', aws: 400, rest: 429, retryAfter: 1 },
};

/** Vector index, blob store and queue adapters raise errors with a code but no shared base class. */
const ADAPTER_CODE_KIND: Record<string, ErrorKind> = {
  VectorIndex: 'ServiceUnavailable',
  VectorDimensionMismatch: 'Internal',
  BlobTooLarge: 'ImageTooLarge',
  BlobNotFound: 'ResourceNotFound',
  InvalidBlobKey: 'InvalidParameter',
  BlobStoreUnavailable: 'ServiceUnavailable',
  QueueUnavailable: 'ServiceUnavailable',
};

const INTERNAL_MESSAGE = 'Internal server error';
const UNAVAILABLE_MESSAGE = 'The service is temporarily unable to process the request; try again later';

export function toWireError(error: unknown): WireError {
  if (error instanceof RateLimitedError) return { ...fromMapping(GATEWAY_MAP.ThrottlingException, error.message), retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof GatewayError) return fromMapping(GATEWAY_MAP[error.errorName], error.message);
  if (isFacerecError(error)) return fromKind(error.kind, error.message);
  if (error instanceof DbError) {
    const kind = DB_CODE_KIND[error.code];
    return kind ? fromKind(kind, error.message) : fromKind('Internal', error.message);
  }
  if (error instanceof multer.MulterError) return fromMulter(error);
  const plumbing = fromBodyParser(error);
  if (plumbing) return plumbing;
  const code = codeOf(error);
  if (code === 'BlobTooLarge') return fromKind('ImageTooLarge', `The photo is larger than the ${maxBytesOf(error)}-byte limit`);
  // A blob key names the tenant's storage layout: a missing photo is just "not found".
  if (code === 'BlobNotFound') return fromKind('ResourceNotFound', 'The photo was not found');
  if (code && ADAPTER_CODE_KIND[code]) return fromKind(ADAPTER_CODE_KIND[code], errorMessage(error));
  // A store that cannot be reached (Postgres restarting, a refused connection): "try again", not a bug.
  if (isDatabaseUnavailable(error)) return fromKind('ServiceUnavailable', errorMessage(error));
  return fromKind('Internal', errorMessage(error));
}

function fromKind(kind: ErrorKind, message: string): WireError {
  return fromMapping(KIND_MAP[kind], message);
}

function fromMapping(mapping: Mapping, message: string): WireError {
  const fault = mapping.aws >= 500;
  const wire: WireError = {
    name: mapping.name,
    // Server faults may carry SQL, hosts or paths: the client gets a fixed text, the log the details.
    message: fault ? (mapping.name === 'InternalServerError' ? INTERNAL_MESSAGE : UNAVAILABLE_MESSAGE) : message,
    awsStatus: mapping.aws,
    restStatus: mapping.rest,
    fault,
  };
  if (mapping.retryAfter !== undefined) wire.retryAfterSeconds = mapping.retryAfter;
  return wire;
}

function fromMulter(error: InstanceType<typeof multer.MulterError>): WireError {
  switch (error.code) {
    case 'LIMIT_FILE_SIZE':
    case 'LIMIT_FIELD_VALUE':
    case 'LIMIT_PART_COUNT':
      return fromKind('ImageTooLarge', `Upload too large (${error.field ?? 'request'}): ${error.message}`);
    case 'LIMIT_UNEXPECTED_FILE':
    case 'LIMIT_FILE_COUNT':
      return fromKind('InvalidParameter', `Unexpected or repeated file field "${error.field ?? ''}": send at most one file per field`);
    default:
      return fromKind('InvalidParameter', `Malformed multipart request: ${error.message}`);
  }
}

/** body-parser and the multipart parser mark their errors with `type` / status. */
function fromBodyParser(error: unknown): WireError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const type = (error as { type?: unknown }).type;
  const status = (error as { status?: unknown }).status;
  if (type === 'entity.too.large') return fromKind('ImageTooLarge', 'Request body too large');
  if (type === 'entity.parse.failed') return fromMapping(GATEWAY_MAP.SerializationException, 'Malformed JSON body');
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string') {
    return fromKind('InvalidParameter', errorMessage(error));
  }
  if (error instanceof Error && /^(Multipart|Unexpected end of form|Malformed part header)/i.test(error.message)) {
    return fromKind('InvalidParameter', `Malformed multipart request: ${error.message}`);
  }
  return undefined;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function maxBytesOf(error: unknown): string {
  const max = (error as { maxBytes?: unknown }).maxBytes;
  return typeof max === 'number' ? String(max) : 'upload';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
