/**
 * The albums REST API: studio routes (bearer key) and storefront routes (share token, selfie
 * search on, rate-limited). Thin handlers over AlbumService; errors go to the REST error handler.
 */
import { authenticate } from '../rest/router.js';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { FacerecError, InvalidParameterError } from '@facerec/core';
import type { AlbumImage, AlbumService, Person, SearchResult } from '@facerec/albums';
import type { AlbumRecord } from '@facerec/db';
import type { KeyStore } from '../auth/key-store.js';
import type { PublicRateLimits } from '../config.js';
import { RateLimitedError } from '../errors.js';
import { closeIfUnread, cutOffAbove } from '../protocol/body-limit.js';
import { OversizePartGuard } from '../protocol/upload-guard.js';
import { contextOf } from '../observability/request-context.js';
import { EventStreams } from './events.js';
import { receivePhotos } from './multipart-photos.js';
import { TokenBuckets } from './rate-limit.js';
import { ALBUM_ROUTES, type AlbumOperation, type AlbumRouteDoc } from './routes.js';
import { StoredZipWriter, zipEntryNames } from './zip.js';

export interface AlbumHttpOptions {
  albums: AlbumService;
  keys: KeyStore;
  /** Largest album photo (multipart part or direct upload). */
  photoLimitBytes: number;
  /** Largest selfie for a search. */
  searchFileLimitBytes: number;
  rateLimits: PublicRateLimits;
  /** Progress poll and heartbeat of the event stream (default 500 ms and 15 s). */
  events?: { intervalMs?: number; heartbeatMs?: number };
  /** Clock for the rate limiter (tests). */
  now?: () => number;
}

export interface AlbumHttp {
  router: Router;
  /** Ends open event streams (shutdown must not wait on them). */
  closeStreams(): void;
}

const MAX_FILES_PER_REQUEST = 500;
/** An oversize photo part is skipped (read and dropped) up to this much; past it the upload is cut off with 413. */
const OVERSIZE_SKIP_BYTES = 32 * 1024 * 1024;
const JSON_LIMIT_BYTES = 1024 * 1024;
/** Selfie form fields and multipart framing on top of the file. */
const SELFIE_FORM_OVERHEAD_BYTES = 128 * 1024;
const MAX_DOWNLOAD = 500;
const STATUSES = new Set(['queued', 'processing', 'indexed', 'failed']);
/** Names given at prepare time, until complete (one gateway's memory; complete may also name them). */
const MAX_PENDING_NAMES = 100_000;

interface Ctx {
  req: Request;
  res: Response;
  /** Studio routes: the caller's tenant. Public routes: the album's. */
  tenantId: string;
  albumId: string;
  /** Public routes only. */
  album?: AlbumRecord;
}

type Handler = (ctx: Ctx) => Promise<void>;

export function albumHttp(options: AlbumHttpOptions): AlbumHttp {
  const { albums } = options;
  const streams = new EventStreams();
  const pendingNames = new Map<string, string>();
  const searchPerIp = new TokenBuckets(options.rateLimits.searchesPerIpPerMinute, options.now);
  const searchPerAlbum = new TokenBuckets(options.rateLimits.searchesPerAlbumPerMinute, options.now);
  const fetchPerIp = new TokenBuckets(options.rateLimits.fetchesPerIpPerMinute, options.now);
  const selfie = cutOffAbove(
    options.searchFileLimitBytes + SELFIE_FORM_OVERHEAD_BYTES,
    multer({ storage: multer.memoryStorage(), limits: { fileSize: options.searchFileLimitBytes, files: 1, fields: 10, fieldSize: 4096 } }).single('file'),
  );

  const studioBase = (albumId: string) => `/api/v1/albums/${albumId}`;
  const publicBase = (token: string) => `/api/v1/public/albums/${encodeURIComponent(token)}`;

  const search = async (ctx: Ctx, base: string): Promise<void> => {
    const file = ctx.req.file;
    if (!file) throw new InvalidParameterError('Request has invalid parameters: the multipart file field "file" is required');
    const fields = (ctx.req.body ?? {}) as Record<string, unknown>;
    const result: SearchResult = await albums.search(ctx.tenantId, ctx.albumId, new Uint8Array(file.buffer.buffer, file.buffer.byteOffset, file.buffer.byteLength), {
      ...(fields.threshold !== undefined ? { threshold: numberField(fields.threshold, 'threshold') } : {}),
      ...(fields.limit !== undefined ? { limit: numberField(fields.limit, 'limit') } : {}),
      ...(typeof fields.nextToken === 'string' && fields.nextToken !== '' ? { nextToken: fields.nextToken } : {}),
    });
    ctx.res.json({
      ...result,
      matches: result.matches.map((m) => ({ ...m, url: `${base}/photos/${m.imageId}`, thumbnailUrl: `${base}/photos/${m.imageId}/thumbnail` })),
    });
  };

  const sendPhoto = async (ctx: Ctx): Promise<void> => {
    const photo = await albums.photo(ctx.tenantId, ctx.albumId, param(ctx.req, 'imageId'));
    ctx.res.setHeader('cache-control', 'private, max-age=3600');
    ctx.res.type(photo.contentType).send(Buffer.from(photo.bytes.buffer, photo.bytes.byteOffset, photo.bytes.byteLength));
  };

  const sendThumbnail = async (ctx: Ctx): Promise<void> => {
    const size = ctx.req.query.size === undefined ? 320 : Number(ctx.req.query.size);
    if (!Number.isInteger(size) || size < 32 || size > 2048) throw new InvalidParameterError('Request has invalid parameters: size must be an integer 32-2048');
    const thumb = await albums.thumbnail(ctx.tenantId, ctx.albumId, param(ctx.req, 'imageId'), size);
    ctx.res.setHeader('cache-control', 'private, max-age=3600');
    ctx.res.type('image/jpeg').send(thumb);
  };

  const handlers: Record<AlbumOperation, Handler> = {
    ListAlbums: async (ctx) => void ctx.res.json({ albums: await albums.list(ctx.tenantId) }),
    CreateAlbum: async (ctx) => {
      const name = body(ctx.req).name;
      if (typeof name !== 'string') throw new InvalidParameterError('Request has invalid parameters: name is required');
      ctx.res.status(201).json(await albums.create(ctx.tenantId, name));
    },
    GetAlbum: async (ctx) => void ctx.res.json(await albums.get(ctx.tenantId, ctx.albumId)),
    UpdateAlbum: async (ctx) => {
      const { name, selfieSearch } = body(ctx.req);
      if (name !== undefined && typeof name !== 'string') throw new InvalidParameterError('Request has invalid parameters: name must be a string');
      if (selfieSearch !== undefined && typeof selfieSearch !== 'boolean') throw new InvalidParameterError('Request has invalid parameters: selfieSearch must be true or false');
      ctx.res.json(await albums.update(ctx.tenantId, ctx.albumId, { ...(name !== undefined ? { name } : {}), ...(selfieSearch !== undefined ? { selfieSearch } : {}) }));
    },
    DeleteAlbum: async (ctx) => {
      await albums.delete(ctx.tenantId, ctx.albumId);
      ctx.res.status(204).end();
    },
    UploadPhotos: async (ctx) => {
      // Unknown album: refuse before reading any of the body.
      await albums.get(ctx.tenantId, ctx.albumId);
      const guard = new OversizePartGuard<AlbumImage>(ctx.req, options.photoLimitBytes, OVERSIZE_SKIP_BYTES);
      const received = receivePhotos(ctx.req, {
        limitBytes: options.photoLimitBytes,
        maxFiles: MAX_FILES_PER_REQUEST,
        upload: guard.track((file) => albums.upload(ctx.tenantId, ctx.albumId, file)),
      });
      const result = await Promise.race([received.finally(() => guard.stop()), guard.tripped.then((name) => ({ cutOffAt: name }))]);
      if ('cutOffAt' in result) return answerCutOff(ctx, guard, result.cutOffAt, options.photoLimitBytes);
      if (result.accepted.length === 0 && result.rejected.length === 0) throw new InvalidParameterError('Request has invalid parameters: the upload holds no "files" part');
      // Nothing stored and the store or queue is down: the whole request is retryable (503).
      if (result.accepted.length === 0 && result.fault !== undefined) throw result.fault;
      ctx.res.status(201).json({ accepted: result.accepted, rejected: result.rejected });
    },
    ListPhotos: async (ctx) => {
      const { status, limit, nextToken } = ctx.req.query;
      if (status !== undefined && (typeof status !== 'string' || !STATUSES.has(status))) throw new InvalidParameterError('Request has invalid parameters: status is queued, processing, indexed or failed');
      const maxResults = limit === undefined ? undefined : Number(limit);
      if (maxResults !== undefined && !(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= 4096)) throw new InvalidParameterError('Request has invalid parameters: limit must be 1-4096');
      ctx.res.json(await albums.photos(ctx.tenantId, ctx.albumId, {
        ...(status ? { status: status as 'queued' } : {}),
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(typeof nextToken === 'string' && nextToken !== '' ? { nextToken } : {}),
      }));
    },
    RetryPhotos: async (ctx) => {
      const ids = body(ctx.req).imageIds;
      if (ids !== undefined && !isStringArray(ids)) throw new InvalidParameterError('Request has invalid parameters: imageIds must be a list of image ids');
      ctx.res.json({ requeued: await albums.retry(ctx.tenantId, ctx.albumId, ids) });
    },
    GetPhoto: sendPhoto,
    GetThumbnail: sendThumbnail,
    GetPhotoFaces: async (ctx) => void ctx.res.json({ faces: await albums.faces(ctx.tenantId, ctx.albumId, param(ctx.req, 'imageId')) }),
    ListPeople: async (ctx) => void ctx.res.json({ people: (await albums.people(ctx.tenantId, ctx.albumId)).map(personView) }),
    AlbumEvents: (ctx) =>
      streams.stream(ctx.res, () => albums.progress(ctx.tenantId, ctx.albumId), {
        intervalMs: options.events?.intervalMs ?? 500,
        heartbeatMs: options.events?.heartbeatMs ?? 15_000,
      }),
    PrepareUploads: async (ctx) => {
      const files = body(ctx.req).files;
      if (!Array.isArray(files) || files.length === 0) throw new InvalidParameterError('Request has invalid parameters: files is a non-empty list of { name, contentType, size }');
      const described = files.map(describeUpload);
      const tooBig = described.find((f) => f.size !== undefined && f.size > options.photoLimitBytes);
      if (tooBig) throw new FacerecError('ImageTooLarge', `${tooBig.name} is larger than the ${options.photoLimitBytes}-byte limit`);
      const prepared = await albums.prepareUploads(ctx.tenantId, ctx.albumId, described);
      const uploads = prepared.map((p, i) => {
        rememberName(pendingNames, p.imageId, described[i].name);
        const headers = described[i].contentType ? { 'Content-Type': described[i].contentType } : {};
        return { imageId: p.imageId, method: 'PUT', url: p.url ?? `${studioBase(ctx.albumId)}/uploads/${p.imageId}`, headers };
      });
      ctx.res.json({ uploads, direct: prepared.every((p) => p.url !== undefined) });
    },
    PutUpload: async (ctx) => {
      await albums.putPrepared(ctx.tenantId, ctx.albumId, param(ctx.req, 'imageId'), ctx.req, ctx.req.header('content-type') ?? null);
      ctx.res.status(204).end();
    },
    CompleteUploads: async (ctx) => {
      const { imageIds, names } = body(ctx.req);
      if (!isStringArray(imageIds) || imageIds.length === 0 || imageIds.length > 1000) throw new InvalidParameterError('Request has invalid parameters: imageIds is a list of 1-1000 image ids');
      const given = typeof names === 'object' && names !== null ? (names as Record<string, unknown>) : {};
      const uploads = imageIds.map((imageId) => {
        const name = typeof given[imageId] === 'string' ? (given[imageId] as string) : pendingNames.get(imageId);
        return name !== undefined ? { imageId, name } : { imageId };
      });
      const { queued, rejected } = await albums.completeUploads(ctx.tenantId, ctx.albumId, uploads);
      for (const id of imageIds) pendingNames.delete(id);
      ctx.res.json({ queued: queued.length, accepted: queued, rejected });
    },
    SearchAlbum: (ctx) => search(ctx, studioBase(ctx.albumId)),
    GetPublicAlbum: async (ctx) => {
      const album = ctx.album!;
      const progress = await albums.progress(album.tenantId, album.id);
      ctx.res.json({ name: album.name, selfieSearch: album.selfieSearch, photoCount: progress.total });
    },
    SearchPublicAlbum: (ctx) => search(ctx, publicBase(param(ctx.req, 'shareToken'))),
    GetPublicPhoto: sendPhoto,
    GetPublicThumbnail: sendThumbnail,
    DownloadPublicPhotos: async (ctx) => {
      const raw = ctx.req.query.imageIds;
      const ids = typeof raw === 'string' ? [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))] : [];
      if (ids.length === 0 || ids.length > MAX_DOWNLOAD) throw new InvalidParameterError(`Request has invalid parameters: imageIds names 1-${MAX_DOWNLOAD} photos, comma-separated`);
      const photos = await albums.images(ctx.tenantId, ctx.albumId, ids);
      if (photos.length !== ids.length) throw new FacerecError('ResourceNotFound', 'Some of the photos were not found in this album');
      await streamZip(ctx, photos);
    },
  };

  const streamZip = async (ctx: Ctx, photos: Awaited<ReturnType<AlbumService['images']>>): Promise<void> => {
    const names = zipEntryNames(photos);
    ctx.res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="photos.zip"', 'cache-control': 'private, no-store' });
    const zip = new StoredZipWriter(ctx.res);
    try {
      for (const [i, photo] of photos.entries()) {
        const { bytes } = await albums.photo(ctx.tenantId, ctx.albumId, photo.imageId);
        await zip.add(names[i], bytes, new Date(photo.updatedAt));
      }
      await zip.finish();
      ctx.res.end();
    } catch (error) {
      // Headers are out: the only honest signal left is a cut connection (an incomplete ZIP).
      contextOf(ctx.res).log.warn({ err: error }, 'zip download aborted');
      ctx.res.destroy();
    }
  };

  const router = Router();
  for (const route of ALBUM_ROUTES as readonly AlbumRouteDoc[]) {
    const handler = handlers[route.operation as AlbumOperation];
    const chain: RequestHandler[] = [named(route)];
    if (route.access === 'studio') chain.push(authenticate(options.keys));
    else chain.push(storefront(albums, route, { searchPerIp, searchPerAlbum, fetchPerIp }));
    if (route.body === 'json') chain.push(cutOffAbove(JSON_LIMIT_BYTES, express.json({ limit: JSON_LIMIT_BYTES })));
    if (route.body === 'multipart' && route.operation !== 'UploadPhotos') chain.push(selfie);
    chain.push(async (req, res) => {
      const ctx: Ctx = { req, res, tenantId: contextOf(res).tenantId ?? '', albumId: param(req, 'albumId') };
      const album = publicAlbums.get(res);
      if (album) Object.assign(ctx, { album, tenantId: album.tenantId, albumId: album.id });
      await handler(ctx);
    });
    router[route.method](route.path, ...chain);
  }
  return { router, closeStreams: () => streams.closeAll() };
}

/**
 * A photo part far over the limit: stop reading (the connection closes after the answer) and
 * answer 413 with what was accepted and rejected before it; nothing of the big part was kept.
 */
async function answerCutOff(ctx: Ctx, guard: OversizePartGuard<AlbumImage>, name: string, limitBytes: number): Promise<void> {
  ctx.req.unpipe();
  ctx.req.pause();
  const outcome = await guard.outcome();
  const context = contextOf(ctx.res);
  context.errorName = 'ImageTooLargeException';
  closeIfUnread(ctx.req, ctx.res);
  ctx.res.status(413).json({
    code: 'ImageTooLargeException',
    message: `${name} is larger than the ${limitBytes}-byte limit; the rest of the upload was not read`,
    requestId: context.requestId,
    ...outcome,
  });
}

/** The album a storefront request resolved to (set by `storefront`). */
const publicAlbums = new WeakMap<Response, AlbumRecord>();

function named(route: AlbumRouteDoc): RequestHandler {
  return (_req, res, next) => {
    const ctx = contextOf(res);
    ctx.api = 'rest';
    ctx.operation = route.operation;
    next();
  };
}

interface Limiters {
  searchPerIp: TokenBuckets;
  searchPerAlbum: TokenBuckets;
  fetchPerIp: TokenBuckets;
}

/**
 * Resolves the share token; only album info answers while selfie search is off (as "not found"
 * otherwise: a guest link must not expose photos the studio has not opened). Rate limits apply
 * before anything expensive: the selfie is not even read when the caller is over its limit.
 */
function storefront(albums: AlbumService, route: AlbumRouteDoc, limiters: Limiters): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const isSearch = route.operation === 'SearchPublicAlbum';
    limit(isSearch ? limiters.searchPerIp : limiters.fetchPerIp, ip, 'this client');
    const album = await albums.byShareToken(param(req, 'shareToken'));
    if (!album || (!album.selfieSearch && route.operation !== 'GetPublicAlbum')) throw new FacerecError('ResourceNotFound', 'No such album, or its selfie search is off');
    if (isSearch) {
      try {
        limit(limiters.searchPerAlbum, album.id, 'this album');
      } catch (error) {
        limiters.searchPerIp.refund(ip);
        throw error;
      }
    }
    contextOf(res).tenantId = album.tenantId;
    publicAlbums.set(res, album);
    next();
  };
}

function limit(buckets: TokenBuckets, key: string, who: string): void {
  const taken = buckets.take(key);
  if (!taken.ok) throw new RateLimitedError(`Too many requests from ${who}; retry in ${taken.retryAfterSeconds} s`, taken.retryAfterSeconds);
}

function personView(p: Person): { personId: string; faceCount: number; photoCount: number; sample: { imageId: string; box: Person['sample']['box'] } } {
  return { personId: p.personId, faceCount: p.faceCount, photoCount: p.photoCount, sample: { imageId: p.sample.imageId, box: p.sample.box } };
}

function describeUpload(value: unknown, index: number): { name: string; contentType?: string; size?: number } {
  if (typeof value !== 'object' || value === null) throw new InvalidParameterError(`Request has invalid parameters: files[${index}] must be { name, contentType, size }`);
  const { name, contentType, size } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.length > 1024) throw new InvalidParameterError(`Request has invalid parameters: files[${index}].name must be a string`);
  if (contentType !== undefined && typeof contentType !== 'string') throw new InvalidParameterError(`Request has invalid parameters: files[${index}].contentType must be a string`);
  if (size !== undefined && (typeof size !== 'number' || !(size >= 0))) throw new InvalidParameterError(`Request has invalid parameters: files[${index}].size must be a number of bytes`);
  return { name, ...(contentType ? { contentType } : {}), ...(size !== undefined ? { size } : {}) };
}

function rememberName(names: Map<string, string>, imageId: string, name: string): void {
  if (names.size >= MAX_PENDING_NAMES) names.delete(names.keys().next().value!);
  names.set(imageId, name);
}

function body(req: Request): Record<string, unknown> {
  const value: unknown = req.body;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

function numberField(value: unknown, name: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InvalidParameterError(`Request has invalid parameters: ${name} must be a number`);
  return n;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
