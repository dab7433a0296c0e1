export * from './schema.js';
export * from './errors.js';
export * from './connect.js';
export * from './migrator.js';
export * from './pagination.js';
export * from './secret-box.js';
export { sql } from 'kysely';
export type { Kysely, RawBuilder, Transaction } from 'kysely';
export * from './repositories/tenant-repository.js';
export * from './repositories/collection-repository.js';
export * from './repositories/face-repository.js';
export * from './repositories/user-repository.js';
export * from './repositories/api-key-repository.js';
export * from './repositories/album-repository.js';
export * from './repositories/image-repository.js';
export { decodeEmbedding, encodeEmbedding } from './repositories/support.js';
export * from './repositories/repositories.js';
export * from './changes/change-feed.js';
export * from './changes/lookup-cache.js';
export * from './changes/lookup-caches.js';
export {
  openPGliteTestDatabase,
  openPostgresTestDatabase,
  START_POSTGRES_COMMAND,
} from './testing/test-databases.js';
export type { TestDatabase, TestDatabaseOptions } from './testing/test-databases.js';
export { startPrivateCluster, findPostgresBin, type PrivateCluster } from './testing/private-cluster.js';
