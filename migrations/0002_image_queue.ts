/**
 * The Postgres table queue for album ingestion (the embedded default, and for operators without
 * SQS). One row per message; `queue` names the logical queue so several can share the table.
 * A row is ready when `dead_at is null and visible_at <= now()`; receiving bumps `receive_count`,
 * pushes `visible_at` into the future and sets a fresh `receipt`, so only the latest receiver can
 * delete or extend it. Dead letters stay in the table with `dead_at` set.
 * No tenant_id: workers serve every studio; the body carries the tenant.
 */
import { sql } from '../packages/db/src/migration-kit.js';
import type { Kysely } from '../packages/db/src/migration-kit.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('image_queue')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('queue', 'text', (col) => col.notNull().defaultTo('images'))
    .addColumn('body', 'jsonb', (col) => col.notNull())
    .addColumn('visible_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('receive_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('receipt', 'uuid')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('dead_at', 'timestamptz')
    .execute();
  // Receivers scan ready rows oldest-visible first; the partial index holds only live rows.
  await db.schema
    .createIndex('image_queue_ready_idx')
    .on('image_queue')
    .columns(['queue', 'visible_at', 'id'])
    .where(sql.ref('dead_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('image_queue_dead_idx')
    .on('image_queue')
    .columns(['queue', 'dead_at', 'id'])
    .where(sql.ref('dead_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('image_queue').execute();
}
