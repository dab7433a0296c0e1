/**
 * Types and a fetch client for the albums REST API (docs/albums-api.md). Shared by the studio and
 * the storefront bundles; uses only fetch/FormData/Blob so it also runs (and is tested) in Node.
 */
import type { CompletedUploads, PreparedUpload, UploadDescription } from './direct-upload.js';
import { readEventStream } from './sse.js';

export type ImageStatus = 'queued' | 'processing' | 'indexed' | 'failed';

export interface AlbumProgress {
  total: number;
  queued: number;
  processing: number;
  indexed: number;
  failed: number;
  faces: number;
  imagesPerSecond: number | null;
  etaSeconds: number | null;
  done: boolean;
}

export interface Album {
  albumId: string;
  name: string;
  collectionId: string;
  createdAt: string;
  shareToken: string;
  selfieSearch: boolean;
  progress: AlbumProgress;
}

export interface AlbumImage {
  imageId: string;
  name: string | null;
  status: ImageStatus;
  faceCount: number | null;
  error: string | null;
  attempts: number;
  sizeBytes: number | null;
  updatedAt: string;
}

export interface Box {
  Left: number;
  Top: number;
  Width: number;
  Height: number;
}

export interface PhotoMatch {
  imageId: string;
  name: string | null;
  similarity: number;
  box: Box;
  url: string;
  thumbnailUrl: string;
}

export interface SearchResult {
  matches: PhotoMatch[];
  nextToken?: string;
  searchedFace: { box: Box };
}

export interface UploadResult {
  accepted: AlbumImage[];
  rejected: { name: string; code: string; message: string }[];
}

export interface Person {
  personId: string;
  faceCount: number;
  photoCount: number;
  sample: { imageId: string; box: Box };
}

export interface PublicAlbum {
  name: string;
  selfieSearch: boolean;
  photoCount: number;
}

export const API_BASE = '/api/v1';

/** An error answer from the API, or a network failure (status 0, code NetworkError). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly requestId?: string) {
    super(message);
    this.name = 'ApiError';
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { code?: string; message?: string; requestId?: string };
    return new ApiError(res.status, body.code ?? `Http${res.status}`, body.message ?? res.statusText, body.requestId);
  } catch {
    return new ApiError(res.status, `Http${res.status}`, res.statusText || `HTTP ${res.status}`);
  }
}

async function send(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    throw new ApiError(0, 'NetworkError', error instanceof Error ? error.message : 'network error');
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

async function json<T>(url: string, init: RequestInit): Promise<T> {
  return (await (await send(url, init)).json()) as T;
}

/** `accessKeyId:secret` → whether it has the shape of a studio key (checked again by the server). */
export function looksLikeApiKey(key: string): boolean {
  return /^[^:\s]+:[^\s]+$/.test(key.trim());
}

export class StudioApi {
  constructor(private readonly key: string, private readonly base = API_BASE) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.key.trim()}`, ...extra };
  }

  private get<T>(path: string): Promise<T> {
    return json<T>(this.base + path, { headers: this.headers() });
  }

  private withBody<T>(method: string, path: string, body: unknown): Promise<T> {
    return json<T>(this.base + path, { method, headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  }

  /** The Authorization header value, for requests the caller makes itself (XHR uploads). */
  authorization(): string {
    return this.headers().authorization;
  }

  albumPath(albumId: string, rest = ''): string {
    return `${this.base}/albums/${encodeURIComponent(albumId)}${rest}`;
  }

  async listAlbums(): Promise<Album[]> {
    return (await this.get<{ albums: Album[] }>('/albums')).albums;
  }

  createAlbum(name: string): Promise<Album> {
    return this.withBody<Album>('POST', '/albums', { name });
  }

  getAlbum(albumId: string): Promise<Album> {
    return this.get<Album>(`/albums/${encodeURIComponent(albumId)}`);
  }

  updateAlbum(albumId: string, patch: { name?: string; selfieSearch?: boolean }): Promise<Album> {
    return this.withBody<Album>('PATCH', `/albums/${encodeURIComponent(albumId)}`, patch);
  }

  listPhotos(albumId: string, query: { status?: ImageStatus; nextToken?: string; limit?: number } = {}): Promise<{ photos: AlbumImage[]; nextToken?: string }> {
    const params = new URLSearchParams();
    if (query.status) params.set('status', query.status);
    if (query.nextToken) params.set('nextToken', query.nextToken);
    if (query.limit) params.set('limit', String(query.limit));
    const qs = params.toString();
    return this.get(`/albums/${encodeURIComponent(albumId)}/photos${qs ? `?${qs}` : ''}`);
  }

  /** Where to PUT each file: presigned S3 URLs (`direct`) or the gateway's own upload route. */
  prepareUploads(albumId: string, files: UploadDescription[]): Promise<{ uploads: PreparedUpload[]; direct: boolean }> {
    return this.withBody('POST', `/albums/${encodeURIComponent(albumId)}/uploads`, { files });
  }

  /** Queues files whose bytes were PUT; each is accepted or refused on its own. */
  completeUploads(albumId: string, uploads: { imageId: string; name: string }[]): Promise<CompletedUploads> {
    const names = Object.fromEntries(uploads.map((u) => [u.imageId, u.name]));
    return this.withBody('POST', `/albums/${encodeURIComponent(albumId)}/uploads/complete`, { imageIds: uploads.map((u) => u.imageId), names });
  }

  async retryPhotos(albumId: string, imageIds?: string[]): Promise<number> {
    const body = imageIds ? { imageIds } : {};
    return (await this.withBody<{ requeued: number }>('POST', `/albums/${encodeURIComponent(albumId)}/photos/retry`, body)).requeued;
  }

  async faces(albumId: string, imageId: string): Promise<{ faceId: string; box: Box; personId?: string }[]> {
    return (await this.get<{ faces: { faceId: string; box: Box; personId?: string }[] }>(`/albums/${encodeURIComponent(albumId)}/photos/${encodeURIComponent(imageId)}/faces`)).faces;
  }

  async people(albumId: string): Promise<Person[]> {
    return (await this.get<{ people: Person[] }>(`/albums/${encodeURIComponent(albumId)}/people`)).people;
  }

  /** Photo bytes need the key, so an <img> cannot load them by URL: fetch them as a blob. */
  async photoBlob(albumId: string, imageId: string, thumbnailSize?: number): Promise<Blob> {
    const rest = `/photos/${encodeURIComponent(imageId)}${thumbnailSize ? `/thumbnail?size=${thumbnailSize}` : ''}`;
    return (await send(this.albumPath(albumId, rest), { headers: this.headers() })).blob();
  }

  /** Streams progress events until `signal` aborts or the server ends the stream. */
  async followProgress(albumId: string, onProgress: (p: AlbumProgress) => void, signal: AbortSignal): Promise<void> {
    const res = await send(this.albumPath(albumId, '/events'), { headers: this.headers({ accept: 'text/event-stream' }), signal });
    if (!res.body) throw new ApiError(0, 'NetworkError', 'event stream has no body');
    await readEventStream(res.body, (event) => {
      if (event.event === 'progress') onProgress(JSON.parse(event.data) as AlbumProgress);
    }, signal);
  }
}

export class PublicApi {
  constructor(private readonly shareToken: string, private readonly base = API_BASE) {}

  private path(rest = ''): string {
    return `${this.base}/public/albums/${encodeURIComponent(this.shareToken)}${rest}`;
  }

  album(): Promise<PublicAlbum> {
    return json<PublicAlbum>(this.path(), {});
  }

  search(selfie: Blob, fileName = 'selfie.jpg'): Promise<SearchResult> {
    const form = new FormData();
    form.append('file', selfie, fileName);
    return json<SearchResult>(this.path('/search'), { method: 'POST', body: form });
  }

  downloadUrl(imageIds: readonly string[]): string {
    return this.path(`/download?imageIds=${imageIds.map(encodeURIComponent).join(',')}`);
  }
}
