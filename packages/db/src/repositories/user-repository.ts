import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { CollectionNotFoundError, UserAlreadyExistsError, UserFaceLimitExceededError, UserNotFoundError } from '../errors.js';
import { decodeToken, pageSize, toPage } from '../pagination.js';
import type { Page, PageRequest } from '../pagination.js';
import type { Database, UserRow, UserStatus } from '../schema.js';
import type { CollectionScope } from './collection-repository.js';
import { FOREIGN_KEY_VIOLATION, hasSqlState, uniqueUuids } from './support.js';

export interface UserRecord {
  userId: string;
  status: UserStatus;
  createdAt: Date;
}

export type AssociationFailureReason = 'FACE_NOT_FOUND' | 'ASSOCIATED_TO_A_DIFFERENT_USER';

export interface FaceAssociationFailure {
  faceId: string;
  /** The user the face belongs to, when that is why it failed. */
  userId?: string;
  reasons: AssociationFailureReason[];
}

export interface AssociationResult {
  /** Faces now associated with the user (including those that already were). */
  associated: string[];
  unsuccessful: FaceAssociationFailure[];
  userStatus: UserStatus;
}

export interface DisassociationResult {
  disassociated: string[];
  unsuccessful: FaceAssociationFailure[];
  userStatus: UserStatus;
}

/** Rekognition's per-user face quota. */
export const MAX_FACES_PER_USER = 100;

const TOKEN_KIND = 'users';

interface FaceOwner {
  id: string;
  user_id: string | null;
}

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(scope: CollectionScope, userId: string): Promise<UserRecord> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({ id: randomUUID(), tenant_id: scope.tenantId, collection_pk: scope.id, user_id: userId })
        .onConflict((oc) => oc.columns(['collection_pk', 'user_id']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new UserAlreadyExistsError(userId);
      return toUser(row);
    } catch (error) {
      if (hasSqlState(error, FOREIGN_KEY_VIOLATION)) throw new CollectionNotFoundError(scope.id);
      throw error;
    }
  }

  async find(scope: CollectionScope, userId: string): Promise<UserRecord | undefined> {
    const row = await this.scoped(this.db, scope).selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row && toUser(row);
  }

  async get(scope: CollectionScope, userId: string): Promise<UserRecord> {
    const user = await this.find(scope, userId);
    if (!user) throw new UserNotFoundError(userId);
    return user;
  }

  /** DeleteUser: the user's faces stay in the collection, no longer associated (FK SET NULL). */
  async delete(scope: CollectionScope, userId: string): Promise<void> {
    const result = await this.db
      .deleteFrom('users')
      .where('tenant_id', '=', scope.tenantId)
      .where('collection_pk', '=', scope.id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new UserNotFoundError(userId);
  }

  /** ListUsers: ordered by user id; Rekognition's MaxResults is at most 500. */
  async list(scope: CollectionScope, page: PageRequest = {}): Promise<Page<UserRecord>> {
    const limit = pageSize(page.maxResults, 500, 500);
    let query = this.scoped(this.db, scope)
      .selectAll()
      .orderBy('user_id')
      .limit(limit + 1);
    if (page.nextToken) query = query.where('user_id', '>', decodeToken(TOKEN_KIND, page.nextToken));
    const rows = await query.execute();
    const result = toPage(rows, limit, TOKEN_KIND, (row) => row.user_id);
    return { ...result, items: result.items.map(toUser) };
  }

  /**
   * AssociateFaces. A face belongs to at most one user: faces of another user are reported, not
   * moved. Faces already associated with this user count as associated. Score checks
   * (LOW_MATCH_CONFIDENCE) need vectors and happen before this call.
   */
  async associateFaces(scope: CollectionScope, userId: string, faceIds: readonly string[]): Promise<AssociationResult> {
    return this.db.transaction().execute(async (trx) => {
      const user = await this.lockUser(trx, scope, userId);
      const owners = await this.lockFaces(trx, scope, faceIds);
      const unsuccessful: FaceAssociationFailure[] = [];
      const accepted: string[] = [];
      for (const faceId of new Set(faceIds)) {
        const owner = owners.get(faceId.toLowerCase());
        if (!owner) unsuccessful.push({ faceId, reasons: ['FACE_NOT_FOUND'] });
        else if (owner.user_id !== null && owner.user_id !== userId) {
          unsuccessful.push({ faceId, userId: owner.user_id, reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] });
        } else accepted.push(owner.id);
      }
      await this.assertWithinQuota(trx, scope, userId, accepted, owners);
      if (accepted.length > 0) {
        await trx
          .updateTable('faces')
          .set({ user_id: userId })
          .where('tenant_id', '=', scope.tenantId)
          .where('collection_pk', '=', scope.id)
          .where('id', 'in', accepted)
          .execute();
      }
      const userStatus = accepted.length > 0 ? await this.markActive(trx, user.id) : user.status;
      return { associated: accepted, unsuccessful, userStatus };
    });
  }

  /** DisassociateFaces: only faces associated with this user can be released. */
  async disassociateFaces(
    scope: CollectionScope,
    userId: string,
    faceIds: readonly string[],
  ): Promise<DisassociationResult> {
    return this.db.transaction().execute(async (trx) => {
      const user = await this.lockUser(trx, scope, userId);
      const owners = await this.lockFaces(trx, scope, faceIds);
      const unsuccessful: FaceAssociationFailure[] = [];
      const released: string[] = [];
      for (const faceId of new Set(faceIds)) {
        const owner = owners.get(faceId.toLowerCase());
        if (!owner) unsuccessful.push({ faceId, reasons: ['FACE_NOT_FOUND'] });
        else if (owner.user_id !== userId) {
          unsuccessful.push({
            faceId,
            ...(owner.user_id ? { userId: owner.user_id } : {}),
            reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'],
          });
        } else released.push(owner.id);
      }
      if (released.length > 0) {
        await trx
          .updateTable('faces')
          .set({ user_id: null })
          .where('tenant_id', '=', scope.tenantId)
          .where('collection_pk', '=', scope.id)
          .where('id', 'in', released)
          .execute();
      }
      return { disassociated: released, unsuccessful, userStatus: user.status };
    });
  }

  private scoped(db: Kysely<Database>, scope: CollectionScope) {
    return db
      .selectFrom('users')
      .where('tenant_id', '=', scope.tenantId)
      .where('collection_pk', '=', scope.id);
  }

  private async lockUser(trx: Transaction<Database>, scope: CollectionScope, userId: string): Promise<UserRow> {
    const row = await this.scoped(trx, scope).selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!row) throw new UserNotFoundError(userId);
    return row;
  }

  private async lockFaces(
    trx: Transaction<Database>,
    scope: CollectionScope,
    faceIds: readonly string[],
  ): Promise<Map<string, FaceOwner>> {
    const ids = uniqueUuids(faceIds);
    if (ids.length === 0) return new Map();
    const rows = await trx
      .selectFrom('faces')
      .select(['id', 'user_id'])
      .where('tenant_id', '=', scope.tenantId)
      .where('collection_pk', '=', scope.id)
      .where('id', 'in', ids)
      .forUpdate()
      .execute();
    return new Map(rows.map((row) => [row.id, row]));
  }

  private async assertWithinQuota(
    trx: Transaction<Database>,
    scope: CollectionScope,
    userId: string,
    accepted: readonly string[],
    owners: ReadonlyMap<string, FaceOwner>,
  ): Promise<void> {
    const newlyAdded = accepted.filter((id) => owners.get(id)?.user_id !== userId).length;
    if (newlyAdded === 0) return;
    const row = await trx
      .selectFrom('faces')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', scope.tenantId)
      .where('collection_pk', '=', scope.id)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    if (Number(row.n) + newlyAdded > MAX_FACES_PER_USER) throw new UserFaceLimitExceededError(userId, MAX_FACES_PER_USER);
  }

  private async markActive(trx: Transaction<Database>, userPk: string): Promise<UserStatus> {
    await trx.updateTable('users').set({ status: 'ACTIVE' }).where('id', '=', userPk).execute();
    return 'ACTIVE';
  }
}

function toUser(row: UserRow): UserRecord {
  return { userId: row.user_id, status: row.status, createdAt: row.created_at };
}
