/**
 * First-start chores of the embedded mode: a server key for sealing API key secrets, and a
 * default studio tenant with one API key so the README's curl and SDK examples work at once.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SecretBox, type Database, type IssuedApiKey, type Kysely, type Repositories } from '@facerec/db';
import type { GatewayConfig } from './config.js';

export const SERVER_KEY_FILE = 'server.key';
export const INITIAL_KEY_FILE = 'initial-api-key.json';
export const DEFAULT_TENANT_NAME = 'default studio';

/** FACEREC_SERVER_KEY, or in embedded mode the key file in the data dir (created once). */
export async function resolveServerKey(config: GatewayConfig): Promise<string> {
  if (config.serverKey) return config.serverKey;
  if (config.mode !== 'embedded') throw new Error('FACEREC_SERVER_KEY is required in production mode');
  const file = path.join(config.dataDir, SERVER_KEY_FILE);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(config.dataDir, { recursive: true });
  const key = SecretBox.generateKey();
  // 'wx': never overwrite a key that sealed existing secrets.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

export interface InitialKey {
  tenantId: string;
  tenantName: string;
  accessKeyId: string;
  secretAccessKey: string;
  file: string;
}

/**
 * When the database has no tenant at all, creates the default one and a key, writes them to
 * `<dataDir>/initial-api-key.json` (mode 600) and returns them; otherwise undefined.
 */
export async function ensureDefaultTenant(db: Kysely<Database>, repos: Repositories, dataDir: string): Promise<InitialKey | undefined> {
  const any = await db.selectFrom('tenants').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  const tenant = await repos.tenants.create({ name: DEFAULT_TENANT_NAME });
  const key: IssuedApiKey = await repos.apiKeys.create(tenant.id, 'initial key');
  const file = path.join(dataDir, INITIAL_KEY_FILE);
  await mkdir(dataDir, { recursive: true });
  const record = { tenantId: tenant.id, tenantName: tenant.name, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return { ...record, file };
}

export function describeInitialKey(key: InitialKey, url: string): string {
  return [
    '',
    '  facerec: created the default studio tenant and its first API key (shown once; also saved in',
    `  ${key.file}):`,
    '',
    `    AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
    `    AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
    '',
    `  AWS SDK: endpoint ${url}, any region.   REST: Authorization: Bearer ${key.accessKeyId}:<secret>`,
    '',
  ].join('\n');
}
