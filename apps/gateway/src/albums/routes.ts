/**
 * The albums API (docs/albums-api.md) as a table: each row says method, path, who may call it and
 * what it answers. The router and the OpenAPI document are both built from it; the handlers live
 * in handlers.ts, keyed by the row's operation, so a row without a handler does not compile.
 */
export type AlbumAccess = 'studio' | 'public';
export type AlbumBody = 'none' | 'json' | 'multipart' | 'binary';

export interface AlbumRouteDoc {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Express path under /api/v1 (`:param`). */
  path: string;
  operation: string;
  summary: string;
  access: AlbumAccess;
  body: AlbumBody;
  success: 200 | 201 | 204;
  /** What a success answers, when not JSON. */
  produces?: string;
  query?: readonly { name: string; description: string }[];
}

export const ALBUM_ROUTES = [
  { method: 'get', path: '/albums', operation: 'ListAlbums', summary: 'List the studio\'s albums with their progress', access: 'studio', body: 'none', success: 200 },
  { method: 'post', path: '/albums', operation: 'CreateAlbum', summary: 'Create an album (JSON { name })', access: 'studio', body: 'json', success: 201 },
  { method: 'get', path: '/albums/:albumId', operation: 'GetAlbum', summary: 'An album with its progress', access: 'studio', body: 'none', success: 200 },
  { method: 'patch', path: '/albums/:albumId', operation: 'UpdateAlbum', summary: 'Rename an album or turn storefront selfie search on/off (JSON { name?, selfieSearch? })', access: 'studio', body: 'json', success: 200 },
  { method: 'delete', path: '/albums/:albumId', operation: 'DeleteAlbum', summary: 'Delete an album: its photos, rows and vectors', access: 'studio', body: 'none', success: 204 },
  { method: 'post', path: '/albums/:albumId/photos', operation: 'UploadPhotos', summary: 'Upload photos (multipart, any number of `files` parts, streamed; each is accepted and queued or rejected on its own)', access: 'studio', body: 'multipart', success: 201 },
  { method: 'get', path: '/albums/:albumId/photos', operation: 'ListPhotos', summary: 'List the album\'s photos and their processing state', access: 'studio', body: 'none', success: 200, query: [
    { name: 'status', description: 'queued, processing, indexed or failed' },
    { name: 'limit', description: 'Page size (default 1000)' },
    { name: 'nextToken', description: 'From the previous page' },
  ] },
  { method: 'post', path: '/albums/:albumId/photos/retry', operation: 'RetryPhotos', summary: 'Queue failed photos again (JSON { imageIds? }, default all failed)', access: 'studio', body: 'json', success: 200 },
  { method: 'get', path: '/albums/:albumId/photos/:imageId', operation: 'GetPhoto', summary: 'The photo\'s bytes', access: 'studio', body: 'none', success: 200, produces: 'image/*' },
  { method: 'get', path: '/albums/:albumId/photos/:imageId/thumbnail', operation: 'GetThumbnail', summary: 'A JPEG thumbnail (longest side `size`, default 320)', access: 'studio', body: 'none', success: 200, produces: 'image/jpeg', query: [{ name: 'size', description: '32-2048, default 320' }] },
  { method: 'get', path: '/albums/:albumId/photos/:imageId/faces', operation: 'GetPhotoFaces', summary: 'Faces found in the photo, with the person each belongs to', access: 'studio', body: 'none', success: 200 },
  { method: 'get', path: '/albums/:albumId/people', operation: 'ListPeople', summary: 'The album\'s faces grouped by person', access: 'studio', body: 'none', success: 200 },
  { method: 'get', path: '/albums/:albumId/events', operation: 'AlbumEvents', summary: 'Server-sent events: `progress` with the album progress at start and on change; a heartbeat comment every 15 s', access: 'studio', body: 'none', success: 200, produces: 'text/event-stream' },
  { method: 'post', path: '/albums/:albumId/uploads', operation: 'PrepareUploads', summary: 'Direct uploads: where to PUT each file (presigned S3 URLs, or this gateway)', access: 'studio', body: 'json', success: 200 },
  { method: 'put', path: '/albums/:albumId/uploads/:imageId', operation: 'PutUpload', summary: 'A direct upload through the gateway (raw body), for stores without presigned URLs', access: 'studio', body: 'binary', success: 204 },
  { method: 'post', path: '/albums/:albumId/uploads/complete', operation: 'CompleteUploads', summary: 'Queue direct uploads once their bytes are stored (JSON { imageIds })', access: 'studio', body: 'json', success: 200 },
  { method: 'post', path: '/albums/:albumId/search', operation: 'SearchAlbum', summary: 'Find my photos: album photos ranked by their best face against the selfie (multipart `file`; threshold, limit, nextToken)', access: 'studio', body: 'multipart', success: 200 },
  { method: 'get', path: '/public/albums/:shareToken', operation: 'GetPublicAlbum', summary: 'Storefront: album name, whether selfie search is on, photo count', access: 'public', body: 'none', success: 200 },
  { method: 'post', path: '/public/albums/:shareToken/search', operation: 'SearchPublicAlbum', summary: 'Storefront selfie search (multipart `file`); rate-limited per IP and per album', access: 'public', body: 'multipart', success: 200 },
  { method: 'get', path: '/public/albums/:shareToken/photos/:imageId', operation: 'GetPublicPhoto', summary: 'Storefront: a photo\'s bytes', access: 'public', body: 'none', success: 200, produces: 'image/*' },
  { method: 'get', path: '/public/albums/:shareToken/photos/:imageId/thumbnail', operation: 'GetPublicThumbnail', summary: 'Storefront: a photo\'s thumbnail', access: 'public', body: 'none', success: 200, produces: 'image/jpeg', query: [{ name: 'size', description: '32-2048, default 320' }] },
  { method: 'get', path: '/public/albums/:shareToken/download', operation: 'DownloadPublicPhotos', summary: 'Storefront: photos as one ZIP (stored, streamed)', access: 'public', body: 'none', success: 200, produces: 'application/zip', query: [{ name: 'imageIds', description: 'Comma-separated, at most 500' }] },
] as const satisfies readonly AlbumRouteDoc[];

export type AlbumOperation = (typeof ALBUM_ROUTES)[number]['operation'];
