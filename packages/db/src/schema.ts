/**
 * The database, typed once. Every table carries `tenant_id` so that every repository query can be
 * scoped to one studio; foreign keys cascade from the tenant down so removing a studio removes all
 * of its data. Migrations in /migrations create exactly these tables.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Timestamps come back from node-postgres as Date; inserts may rely on the default. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: objects in, objects out. */
type Json<T> = ColumnType<T, string, string>;

export interface TenantsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

/**
 * One row per access key. `secret_hash` lets us check a presented secret (REST bearer auth,
 * dashboard) without the server key; `secret_ciphertext` exists because SigV4 verification must
 * recompute the HMAC chain from the raw secret, which a hash cannot give back. The ciphertext is
 * AES-256-GCM under a server key from configuration, bound to the access key id as associated data.
 */
export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  access_key_id: string;
  secret_hash: string;
  secret_ciphertext: Buffer;
  name: string;
  created_at: CreatedAt;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CollectionsTable {
  id: string;
  /** Insertion order: gives ListCollections a stable order and a short pagination token. */
  /** bigint identity: node-postgres returns it as a string (it may exceed 2^53). */
  seq: ColumnType<string, never, never>;
  tenant_id: string;
  collection_id: string;
  arn: string;
  face_model_version: string;
  created_at: CreatedAt;
}

export interface FaceLandmarkJson {
  Type: string;
  X: number;
  Y: number;
}

export interface FacePoseJson {
  Roll: number;
  Yaw: number;
  Pitch: number;
}

export interface FaceQualityJson {
  Brightness: number;
  Sharpness: number;
}

export interface FacesTable {
  /** Rekognition FaceId. */
  id: string;
  tenant_id: string;
  collection_pk: string;
  /** Rekognition ImageId: one uuid per indexed image (the album image id for album faces). */
  image_id: string;
  external_image_id: string | null;
  bbox_left: number;
  bbox_top: number;
  bbox_width: number;
  bbox_height: number;
  confidence: number;
  landmarks: Json<FaceLandmarkJson[]>;
  pose: Json<FacePoseJson | null>;
  quality: Json<FaceQualityJson | null>;
  model_version: string;
  /** Postgres is the source of truth for vectors: float32 little-endian, rebuilt into the index. */
  embedding: Buffer;
  user_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Set for faces written by album ingestion; unique with face_index so retries are idempotent. */
  album_image_id: ColumnType<string | null, string | null | undefined, string | null>;
  face_index: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: CreatedAt;
}

export type UserStatus = 'ACTIVE' | 'UPDATING' | 'CREATING' | 'CREATED';

export interface UsersTable {
  id: string;
  tenant_id: string;
  collection_pk: string;
  user_id: string;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  created_at: CreatedAt;
}

export interface AlbumsTable {
  id: string;
  tenant_id: string;
  collection_pk: string;
  name: string;
  created_at: CreatedAt;
  /** The secret part of the storefront link (migration 0003). */
  share_token: ColumnType<string, string | undefined, string>;
  /** Whether guests may search the album with a selfie. */
  selfie_search: ColumnType<boolean, boolean | undefined, boolean>;
}

export type ImageStatus = 'queued' | 'processing' | 'indexed' | 'failed';

export interface ImagesTable {
  id: string;
  /** Upload order within an album, for stable listing. */
  /** bigint identity: node-postgres returns it as a string (it may exceed 2^53). */
  seq: ColumnType<string, never, never>;
  tenant_id: string;
  album_id: string;
  blob_key: string;
  original_name: string | null;
  content_type: string | null;
  size_bytes: ColumnType<string | null, number | null | undefined, number | null>;
  status: ColumnType<ImageStatus, ImageStatus | undefined, ImageStatus>;
  attempts: Generated<number>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  face_count: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Body of a queued message: plain JSON (the storage package gives it its ImageMessage shape). */
export type QueueBodyJson = Record<string, unknown>;

/** The Postgres table queue (migration 0002): one row per message, dead letters flagged by dead_at. */
export interface ImageQueueTable {
  /** bigint identity: node-postgres returns it as a string. */
  id: ColumnType<string, never, never>;
  queue: ColumnType<string, string | undefined, string>;
  body: Json<QueueBodyJson>;
  visible_at: ColumnType<Date, Date | string | undefined, Date | string>;
  receive_count: ColumnType<number, number | undefined, number>;
  receipt: ColumnType<string | null, string | null | undefined, string | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  dead_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  collections: CollectionsTable;
  faces: FacesTable;
  users: UsersTable;
  albums: AlbumsTable;
  images: ImagesTable;
  image_queue: ImageQueueTable;
}

export type TenantRow = Selectable<TenantsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type CollectionRow = Selectable<CollectionsTable>;
export type FaceRow = Selectable<FacesTable>;
export type NewFaceRow = Insertable<FacesTable>;
export type UserRow = Selectable<UsersTable>;
export type AlbumRow = Selectable<AlbumsTable>;
export type ImageRow = Selectable<ImagesTable>;
