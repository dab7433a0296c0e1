/**
 * What the operator commands (`facerec keys`, `facerec reindex`) share with the server: the same
 * configuration, database, server key and vector index, opened without HTTP or the engine.
 * The tenant and key look-ups across tenants live here because they are operator-only: no
 * request path ever lists tenants.
 */
import { assertSchemaCurrent, connect, createRepositories, migrateUp, SecretBox, type DatabaseConnection, type Repositories } from '@facerec/db';
import type { VectorIndex } from '@facerec/storage';
import { resolveServerKey } from './bootstrap.js';
import type { GatewayConfig } from './config.js';
import { openVectorIndex } from './composition.js';

export interface OperatorContext {
  connection: DatabaseConnection;
  repos: Repositories;
  close(): Promise<void>;
}

export interface TenantSummary {
  id: string;
  name: string;
}

/** Embedded mode migrates first (as `serve` would); production requires a current schema. */
export async function openOperatorContext(config: GatewayConfig): Promise<OperatorContext> {
  const connection = await connect(config.database);
  try {
    if (config.mode === 'embedded') await migrateUp(connection.db);
    else await assertSchemaCurrent(connection.db);
    const repos = createRepositories(connection.db, new SecretBox(await resolveServerKey(config)));
    return { connection, repos, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

export function openOperatorVectorIndex(config: GatewayConfig, context: OperatorContext): VectorIndex {
  return openVectorIndex(config, context.connection);
}

export async function listTenants(context: OperatorContext): Promise<TenantSummary[]> {
  return context.connection.db.selectFrom('tenants').select(['id', 'name']).orderBy('created_at').orderBy('id').execute();
}

export async function findTenantByName(context: OperatorContext, name: string): Promise<TenantSummary | undefined> {
  return context.connection.db.selectFrom('tenants').select(['id', 'name']).where('name', '=', name).orderBy('created_at').executeTakeFirst();
}

export async function findOrCreateTenant(context: OperatorContext, name: string): Promise<TenantSummary & { created: boolean }> {
  const existing = await findTenantByName(context, name);
  if (existing) return { ...existing, created: false };
  const tenant = await context.repos.tenants.create({ name });
  return { id: tenant.id, name: tenant.name, created: true };
}

/** The tenant owning an access key, revoked or not. */
export async function findKeyTenant(context: OperatorContext, accessKeyId: string): Promise<string | undefined> {
  const row = await context.connection.db.selectFrom('api_keys').select('tenant_id').where('access_key_id', '=', accessKeyId).executeTakeFirst();
  return row?.tenant_id;
}
