/**
 * The whole first schema: tenants, api keys, collections, faces, users, albums, images.
 * Child tables reference their parent through (tenant_id, id) pairs, so the database itself refuses
 * a face, user or album whose tenant differs from its collection's.
 */
import { sql } from '../packages/db/src/migration-kit.js';
import type { Kysely } from '../packages/db/src/migration-kit.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('tenant_id', 'uuid', (col) => col.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('access_key_id', 'text', (col) => col.notNull().unique())
    .addColumn('secret_hash', 'text', (col) => col.notNull())
    .addColumn('secret_ciphertext', 'bytea', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_tenant_idx').on('api_keys').column('tenant_id').execute();

  await db.schema
    .createTable('collections')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('seq', 'bigint', (col) => col.generatedAlwaysAsIdentity().notNull().unique())
    .addColumn('tenant_id', 'uuid', (col) => col.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('collection_id', 'text', (col) =>
      col.notNull().check(sql`char_length(collection_id) between 1 and 255`),
    )
    .addColumn('arn', 'text', (col) => col.notNull())
    .addColumn('face_model_version', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('collections_tenant_collection_id_key', ['tenant_id', 'collection_id'])
    .addUniqueConstraint('collections_tenant_id_key', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('collections_tenant_seq_idx').on('collections').columns(['tenant_id', 'seq']).execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('tenant_id', 'uuid', (col) => col.notNull())
    .addColumn('collection_pk', 'uuid', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull().check(sql`char_length(user_id) between 1 and 128`))
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('CREATED')
        .check(sql`status in ('ACTIVE', 'UPDATING', 'CREATING', 'CREATED')`),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('users_collection_fkey', ['tenant_id', 'collection_pk'], 'collections', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addUniqueConstraint('users_collection_user_id_key', ['collection_pk', 'user_id'])
    .execute();

  await db.schema
    .createTable('albums')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('tenant_id', 'uuid', (col) => col.notNull())
    .addColumn('collection_pk', 'uuid', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('albums_collection_fkey', ['tenant_id', 'collection_pk'], 'collections', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addUniqueConstraint('albums_tenant_id_key', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('albums_collection_idx').on('albums').column('collection_pk').execute();

  await db.schema
    .createTable('images')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('seq', 'bigint', (col) => col.generatedAlwaysAsIdentity().notNull())
    .addColumn('tenant_id', 'uuid', (col) => col.notNull())
    .addColumn('album_id', 'uuid', (col) => col.notNull())
    .addColumn('blob_key', 'text', (col) => col.notNull())
    .addColumn('original_name', 'text')
    .addColumn('content_type', 'text')
    .addColumn('size_bytes', 'bigint')
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('queued')
        .check(sql`status in ('queued', 'processing', 'indexed', 'failed')`),
    )
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('face_count', 'integer')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addForeignKeyConstraint('images_album_fkey', ['tenant_id', 'album_id'], 'albums', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addUniqueConstraint('images_tenant_id_key', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('images_album_seq_idx').on('images').columns(['album_id', 'seq']).execute();
  await db.schema.createIndex('images_album_status_idx').on('images').columns(['album_id', 'status']).execute();

  await db.schema
    .createTable('faces')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('tenant_id', 'uuid', (col) => col.notNull())
    .addColumn('collection_pk', 'uuid', (col) => col.notNull())
    .addColumn('image_id', 'uuid', (col) => col.notNull())
    .addColumn('external_image_id', 'text')
    .addColumn('bbox_left', 'double precision', (col) => col.notNull())
    .addColumn('bbox_top', 'double precision', (col) => col.notNull())
    .addColumn('bbox_width', 'double precision', (col) => col.notNull())
    .addColumn('bbox_height', 'double precision', (col) => col.notNull())
    .addColumn('confidence', 'double precision', (col) => col.notNull())
    .addColumn('landmarks', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('pose', 'jsonb')
    .addColumn('quality', 'jsonb')
    .addColumn('model_version', 'text', (col) => col.notNull())
    .addColumn('embedding', 'bytea', (col) => col.notNull())
    .addColumn('user_id', 'text')
    .addColumn('album_image_id', 'uuid')
    .addColumn('face_index', 'integer')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('faces_collection_fkey', ['tenant_id', 'collection_pk'], 'collections', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('faces_album_image_fkey', ['tenant_id', 'album_image_id'], 'images', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    // A retried album message writes the same (image, face index) again: the constraint makes
    // that write a no-op instead of a duplicate face.
    .addUniqueConstraint('faces_album_image_face_index_key', ['album_image_id', 'face_index'])
    .addCheckConstraint('faces_album_source_check', sql`(album_image_id is null) = (face_index is null)`)
    .execute();
  // Deleting a user leaves its faces in the collection, unassociated (Rekognition's DeleteUser).
  // The column list on SET NULL (Postgres 15+) keeps collection_pk intact.
  await sql`alter table faces add constraint faces_user_fkey foreign key (collection_pk, user_id)
    references users (collection_pk, user_id) on delete set null (user_id)`.execute(db);
  await db.schema.createIndex('faces_collection_id_idx').on('faces').columns(['collection_pk', 'id']).execute();
  await db.schema.createIndex('faces_collection_image_idx').on('faces').columns(['collection_pk', 'image_id']).execute();
  await db.schema
    .createIndex('faces_collection_user_idx')
    .on('faces')
    .columns(['collection_pk', 'user_id'])
    .where(sql.ref('user_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['faces', 'images', 'albums', 'users', 'collections', 'api_keys', 'tenants']) {
    await db.schema.dropTable(table).execute();
  }
}
