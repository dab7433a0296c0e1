import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { TenantNotFoundError } from '../errors.js';
import { isUuid } from './support.js';
import type { Database, TenantRow } from '../schema.js';

export interface TenantRecord {
  id: string;
  name: string;
  createdAt: Date;
}

export class TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { name: string; id?: string }): Promise<TenantRecord> {
    const row = await this.db
      .insertInto('tenants')
      .values({ id: input.id ?? randomUUID(), name: input.name })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTenant(row);
  }

  async find(id: string): Promise<TenantRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  async get(id: string): Promise<TenantRecord> {
    const tenant = await this.find(id);
    if (!tenant) throw new TenantNotFoundError(id);
    return tenant;
  }

  /** Removes the tenant and, through cascading keys, everything it owns. */
  async delete(id: string): Promise<void> {
    if (!isUuid(id)) throw new TenantNotFoundError(id);
    const result = await this.db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new TenantNotFoundError(id);
  }
}

function toTenant(row: TenantRow): TenantRecord {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}
