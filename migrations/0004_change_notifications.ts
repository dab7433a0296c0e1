/**
 * Change notifications: updating or deleting an API key or a collection — by any process, and by
 * cascades such as a tenant's deletion — sends `pg_notify('facerec_changes', …)`, delivered when
 * the transaction commits. Gateways cache those two lookups (every request makes them) and drop an
 * entry when its notification arrives (packages/db/src/changes).
 */
import { sql } from '../packages/db/src/migration-kit.js';
import type { Kysely } from '../packages/db/src/migration-kit.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function facerec_notify_change() returns trigger language plpgsql as $$
    begin
      if TG_TABLE_NAME = 'api_keys' then
        perform pg_notify('facerec_changes', 'api_keys:' || OLD.access_key_id);
      else
        perform pg_notify('facerec_changes', 'collections:' || OLD.tenant_id || ':' || OLD.collection_id);
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`create trigger api_keys_changed after update or delete on api_keys for each row execute function facerec_notify_change()`.execute(db);
  await sql`create trigger collections_changed after update or delete on collections for each row execute function facerec_notify_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger collections_changed on collections`.execute(db);
  await sql`drop trigger api_keys_changed on api_keys`.execute(db);
  await sql`drop function facerec_notify_change()`.execute(db);
}
