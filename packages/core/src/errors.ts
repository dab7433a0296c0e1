/**
 * Domain errors. Each carries a stable `kind`; the gateway maps kinds to Rekognition error names
 * and HTTP statuses in one place, so the engine and services never speak HTTP.
 */
export type ErrorKind =
  | 'InvalidImageFormat'
  | 'ImageTooLarge'
  | 'InvalidParameter'
  | 'ResourceNotFound'
  | 'ResourceAlreadyExists'
  | 'ResourceInUse'
  | 'AccessDenied'
  | 'Unauthenticated'
  | 'InvalidPaginationToken'
  | 'Conflict'
  | 'ServiceQuotaExceeded'
  | 'InvalidS3Object'
  | 'IdempotentParameterMismatch'
  | 'Throttled'
  | 'ServiceUnavailable'
  | 'Internal';

export class FacerecError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = `${kind}Error`;
  }
}

/** The bytes are not an image we accept (not JPEG/PNG, truncated, corrupt). */
export class InvalidImageFormatError extends FacerecError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidImageFormat', message, options);
  }
}

/** The image exceeds a byte or pixel limit. */
export class ImageTooLargeError extends FacerecError {
  constructor(message: string) {
    super('ImageTooLarge', message);
  }
}

export class InvalidParameterError extends FacerecError {
  constructor(message: string) {
    super('InvalidParameter', message);
  }
}

/** The engine's bounded queue is full: callers should back off. */
export class ThrottledError extends FacerecError {
  constructor(message: string) {
    super('Throttled', message);
  }
}

export function isFacerecError(e: unknown): e is FacerecError {
  return e instanceof FacerecError;
}

/** Rebuilds the typed error for a kind (errors cross thread and process boundaries as data). */
export function errorOfKind(kind: ErrorKind, message: string): FacerecError {
  switch (kind) {
    case 'InvalidImageFormat':
      return new InvalidImageFormatError(message);
    case 'ImageTooLarge':
      return new ImageTooLargeError(message);
    case 'InvalidParameter':
      return new InvalidParameterError(message);
    case 'Throttled':
      return new ThrottledError(message);
    default:
      return new FacerecError(kind, message);
  }
}
