/**
 * Typed errors of the storage layer. Each carries a stable `code`; the gateway maps codes to
 * Rekognition error names (ResourceNotFoundException, ResourceAlreadyExistsException, …) in one
 * place, so nothing here knows about HTTP.
 */
export abstract class DbError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class TenantNotFoundError extends DbError {
  readonly code = 'TenantNotFound';
  constructor(readonly tenantId: string) {
    super(`Tenant ${tenantId} not found`);
  }
}

export class CollectionNotFoundError extends DbError {
  readonly code = 'CollectionNotFound';
  constructor(readonly collectionId: string) {
    super(`The collection id: ${collectionId} does not exist`);
  }
}

export class CollectionAlreadyExistsError extends DbError {
  readonly code = 'CollectionAlreadyExists';
  constructor(readonly collectionId: string) {
    super(`The collection id: ${collectionId} already exists`);
  }
}

export class FaceNotFoundError extends DbError {
  readonly code = 'FaceNotFound';
  constructor(readonly faceId: string) {
    super(`Face ${faceId} not found`);
  }
}

/** An album face source (image, face index) already belongs to another tenant's face. */
export class FaceSourceConflictError extends DbError {
  readonly code = 'FaceSourceConflict';
  constructor(
    readonly albumImageId: string,
    readonly faceIndex: number,
  ) {
    super(`Face source ${albumImageId}/${faceIndex} is already used by another tenant`);
  }
}

export class UserNotFoundError extends DbError {
  readonly code = 'UserNotFound';
  constructor(readonly userId: string) {
    super(`The user id: ${userId} does not exist`);
  }
}

/** Rekognition answers CreateUser on an existing id with ConflictException. */
export class UserAlreadyExistsError extends DbError {
  readonly code = 'UserAlreadyExists';
  constructor(readonly userId: string) {
    super(`The user id: ${userId} already exists`);
  }
}

/** Rekognition allows at most 100 faces per user (ServiceQuotaExceededException). */
export class UserFaceLimitExceededError extends DbError {
  readonly code = 'UserFaceLimitExceeded';
  constructor(
    readonly userId: string,
    readonly limit: number,
  ) {
    super(`User ${userId} would have more than ${limit} faces`);
  }
}

export class AlbumNotFoundError extends DbError {
  readonly code = 'AlbumNotFound';
  constructor(readonly albumId: string) {
    super(`Album ${albumId} not found`);
  }
}

export class ImageNotFoundError extends DbError {
  readonly code = 'ImageNotFound';
  constructor(readonly imageId: string) {
    super(`Image ${imageId} not found`);
  }
}

export class ApiKeyNotFoundError extends DbError {
  readonly code = 'ApiKeyNotFound';
  constructor(readonly accessKeyId: string) {
    super(`Access key ${accessKeyId} not found`);
  }
}

export class InvalidPaginationTokenError extends DbError {
  readonly code = 'InvalidPaginationToken';
  constructor(reason: string) {
    super(`Invalid pagination token: ${reason}`);
  }
}

/** The stored key material cannot be opened with the configured server key. */
export class SecretDecryptionError extends DbError {
  readonly code = 'SecretDecryption';
  constructor(accessKeyId: string, cause: unknown) {
    super(`Cannot decrypt the secret of access key ${accessKeyId}: wrong server key or corrupt row`, {
      cause,
    });
  }
}

export class MigrationFailedError extends DbError {
  readonly code = 'MigrationFailed';
  constructor(
    readonly migrationName: string | undefined,
    cause: unknown,
  ) {
    super(`Migration ${migrationName ?? '(unknown)'} failed: ${describeCause(cause)}`, { cause });
  }
}

/** The database schema is not the one this code was built for; the app must not start. */
export abstract class SchemaNotCurrentError extends DbError {}

export class SchemaBehindError extends SchemaNotCurrentError {
  readonly code = 'SchemaBehind';
  constructor(readonly pending: readonly string[]) {
    super(
      `The database is missing ${pending.length} migration(s): ${pending.join(', ')}. ` +
        'Run `facerec migrate up`.',
    );
  }
}

export class SchemaAheadError extends SchemaNotCurrentError {
  readonly code = 'SchemaAhead';
  constructor(readonly unknown: readonly string[]) {
    super(
      `The database has migration(s) this code does not know: ${unknown.join(', ')}. ` +
        'It was migrated by a newer version; deploy that version or migrate down with it.',
    );
  }
}

export class DatabaseUnavailableError extends DbError {
  readonly code = 'DatabaseUnavailable';
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
