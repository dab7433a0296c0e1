/**
 * Storefront sharing: each album gets an unguessable share token for its public link, and a switch
 * that lets the studio turn selfie search on or off — off for a new album, so guests search only
 * albums their studio chose to open.
 */
import { sql } from '../packages/db/src/migration-kit.js';
import type { Kysely } from '../packages/db/src/migration-kit.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('albums')
    .addColumn('share_token', 'text', (col) => col.notNull().defaultTo(sql`md5(random()::text || clock_timestamp()::text) || md5(random()::text)`))
    .addColumn('selfie_search', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('albums_share_token_key').on('albums').column('share_token').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('albums_share_token_key').execute();
  await db.schema.alterTable('albums').dropColumn('share_token').dropColumn('selfie_search').execute();
}
