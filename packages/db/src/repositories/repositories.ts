import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { SecretBox } from '../secret-box.js';
import type { LookupCaches } from '../changes/lookup-caches.js';
import { AlbumRepository } from './album-repository.js';
import { ApiKeyRepository } from './api-key-repository.js';
import { CollectionRepository } from './collection-repository.js';
import { FaceRepository } from './face-repository.js';
import { ImageRepository } from './image-repository.js';
import { TenantRepository } from './tenant-repository.js';
import { UserRepository } from './user-repository.js';

export interface Repositories {
  tenants: TenantRepository;
  apiKeys: ApiKeyRepository;
  collections: CollectionRepository;
  faces: FaceRepository;
  users: UserRepository;
  albums: AlbumRepository;
  images: ImageRepository;
}

/**
 * Builds every repository over one connection (or one transaction). `caches` (gateways) serve the
 * key and collection lookups of every request; never pass them with a transaction, whose reads
 * may see rows that are not committed.
 */
export function createRepositories(db: Kysely<Database>, secrets: SecretBox, caches?: LookupCaches): Repositories {
  return {
    tenants: new TenantRepository(db),
    apiKeys: new ApiKeyRepository(db, secrets, caches?.apiKeys),
    collections: new CollectionRepository(db, caches?.collections),
    faces: new FaceRepository(db),
    users: new UserRepository(db),
    albums: new AlbumRepository(db),
    images: new ImageRepository(db),
  };
}
