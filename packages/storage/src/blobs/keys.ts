/**
 * Where things live in the blob store, per studio (tenant): album photos under `albums/<tenant>/`,
 * anything else a studio keeps for itself under `tenants/<tenant>/`. A studio names its objects
 * relative to its own root (see `studioObjectKey`), so it cannot reach another studio's keys.
 */
import { validateKey } from './fs-blob-store.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ALBUM_PHOTO = new RegExp(`^albums/(${UUID})/(${UUID})$`);
const MAX_NAME_LENGTH = 1024;

export function albumPhotoKey(tenantId: string, albumId: string, imageId: string): string {
  return `albums/${tenantId}/${albumId}/${imageId}`;
}

/**
 * The store key of an object a studio names: `albums/<albumId>/<imageId>` is one of its album
 * photos, any other name lies under `tenants/<tenantId>/`. Undefined for a name that is not a
 * plain relative path (empty, absolute, `..`, backslash, NUL, too long).
 */
export function studioObjectKey(tenantId: string, name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return undefined;
  try {
    validateKey(name);
  } catch {
    return undefined;
  }
  const photo = ALBUM_PHOTO.exec(name);
  if (photo) return albumPhotoKey(tenantId, photo[1], photo[2]);
  return `tenants/${tenantId}/${name}`;
}
