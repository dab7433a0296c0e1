import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ApiKeyNotFoundError, SecretDecryptionError, TenantNotFoundError } from '../errors.js';
import type { ApiKeyRow, Database } from '../schema.js';
import { hashSecret, secretMatchesHash } from '../secret-box.js';
import type { SecretBox } from '../secret-box.js';
import type { LookupCache } from '../changes/lookup-cache.js';
import { FOREIGN_KEY_VIOLATION, hasSqlState, isUuid } from './support.js';

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  accessKeyId: string;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Returned once, at creation: the secret is never shown again. */
export interface IssuedApiKey extends ApiKeyRecord {
  secretAccessKey: string;
}

/** What request signing needs: the tenant, and the raw secret to recompute SigV4. */
export interface ActiveApiKey extends ApiKeyRecord {
  secretAccessKey: string;
}

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export class ApiKeyRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
    /** Active key rows by access key id (gateways pass one; see createLookupCaches). */
    private readonly cache?: LookupCache<ApiKeyRow>,
  ) {}

  async create(tenantId: string, name: string): Promise<IssuedApiKey> {
    if (!isUuid(tenantId)) throw new TenantNotFoundError(tenantId);
    const accessKeyId = newAccessKeyId();
    // 30 random bytes = 40 base64 characters, the length of an AWS secret access key.
    const secretAccessKey = randomBytes(30).toString('base64');
    try {
      const row = await this.db
        .insertInto('api_keys')
        .values({
          id: randomUUID(),
          tenant_id: tenantId,
          access_key_id: accessKeyId,
          secret_hash: hashSecret(secretAccessKey),
          secret_ciphertext: this.secrets.seal(secretAccessKey, accessKeyId),
          name,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ...toApiKey(row), secretAccessKey };
    } catch (error) {
      if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) throw new TenantNotFoundError(tenantId);
      throw error;
    }
  }

  /**
   * Looks a key up by its access key id, before any tenant is known (this is how a request finds
   * its tenant). Revoked and unknown keys both answer undefined.
   */
  async findActive(accessKeyId: string): Promise<ActiveApiKey | undefined> {
    const row = await this.activeRow(accessKeyId);
    if (!row) return undefined;
    return { ...toApiKey(row), secretAccessKey: this.openSecret(row) };
  }

  /** For bearer-style auth: compares a presented secret with the stored hash in constant time. */
  async verifySecret(accessKeyId: string, secret: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.activeRow(accessKeyId);
    return row && secretMatchesHash(secret, row.secret_hash) ? toApiKey(row) : undefined;
  }

  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    if (!isUuid(tenantId)) return [];
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('access_key_id')
      .execute();
    return rows.map(toApiKey);
  }

  async revoke(tenantId: string, accessKeyId: string): Promise<void> {
    if (!isUuid(tenantId)) throw new ApiKeyNotFoundError(accessKeyId);
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('access_key_id', '=', accessKeyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    // The database notifies every cache too; this one need not wait for the notification.
    this.cache?.invalidate(accessKeyId);
    if (result.numUpdatedRows === 0n) throw new ApiKeyNotFoundError(accessKeyId);
  }

  private activeRow(accessKeyId: string): Promise<ApiKeyRow | undefined> {
    const load = (): Promise<ApiKeyRow | undefined> =>
      this.db.selectFrom('api_keys').selectAll().where('access_key_id', '=', accessKeyId).where('revoked_at', 'is', null).executeTakeFirst();
    return this.cache ? this.cache.get(accessKeyId, load) : load();
  }

  private openSecret(row: ApiKeyRow): string {
    try {
      return this.secrets.open(row.secret_ciphertext, row.access_key_id);
    } catch (error) {
      throw new SecretDecryptionError(row.access_key_id, error);
    }
  }
}

/** AWS-shaped: 20 characters, a fixed prefix then base32 randomness. */
function newAccessKeyId(): string {
  const bytes = randomBytes(17);
  let id = 'FRK';
  for (let i = 0; i < 17; i++) id += ACCESS_KEY_ALPHABET[bytes[i] % ACCESS_KEY_ALPHABET.length];
  return id;
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    accessKeyId: row.access_key_id,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
