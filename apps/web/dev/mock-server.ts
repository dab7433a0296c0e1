/**
 * An in-memory stand-in for the albums API (docs/albums-api.md) on node:http, for developing and
 * testing the pages before or without the real gateway. Photos "process" one per tick; a photo
 * whose name contains "fail" fails on its first attempt; the search matches photos whose name
 * contains the selfie's file name stem (so tests pick their matches), and finds no face in a
 * selfie whose name starts with "noface".
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Album, AlbumImage, AlbumProgress, PhotoMatch } from '../src/lib/api.js';
import { webHandler } from '../src/serve.js';

export interface MockOptions {
  /** `accessKeyId:secret` the studio must send. */
  key: string;
  /** Milliseconds between processing steps. */
  tickMs?: number;
  /** Serve the built pages from here (default: the package's dist/). */
  assetsDir?: string;
}

interface MockImage extends AlbumImage {
  bytes: Uint8Array;
  type: string;
}

interface MockAlbum extends Omit<Album, 'progress'> {
  images: MockImage[];
  listeners: Set<ServerResponse>;
}

export interface MockServer {
  url: string;
  /** Makes the next n photo PUTs fail at the network level (the socket is destroyed). */
  dropNextUploads(n: number): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const IMAGE_SIGNATURES = [[0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47]];

function isImage(bytes: Uint8Array): boolean {
  return IMAGE_SIGNATURES.some((sig) => sig.every((b, i) => bytes[i] === b));
}

export async function startMockServer(options: MockOptions): Promise<MockServer> {
  const albums = new Map<string, MockAlbum>();
  const web = webHandler(options.assetsDir);
  let dropUploads = 0;

  const progressOf = (album: MockAlbum): AlbumProgress => {
    const count = (s: string) => album.images.filter((i) => i.status === s).length;
    const p = { total: album.images.length, queued: count('queued'), processing: count('processing'), indexed: count('indexed'), failed: count('failed') };
    const faces = album.images.reduce((sum, i) => sum + (i.faceCount ?? 0), 0);
    return { ...p, faces, imagesPerSecond: null, etaSeconds: null, done: p.total > 0 && p.queued + p.processing === 0 };
  };
  const view = (album: MockAlbum): Album => {
    const { images: _images, listeners: _listeners, ...rest } = album;
    return { ...rest, progress: progressOf(album) };
  };
  const imageView = (image: MockImage): AlbumImage => {
    const { bytes: _bytes, type: _type, ...rest } = image;
    return rest;
  };
  const broadcast = (album: MockAlbum) => {
    for (const res of album.listeners) res.write(`event: progress\ndata: ${JSON.stringify(progressOf(album))}\n\n`);
  };

  const timer = setInterval(() => {
    for (const album of albums.values()) {
      const processing = album.images.find((i) => i.status === 'processing');
      if (processing) {
        processing.attempts++;
        const fails = processing.name?.includes('fail') && processing.attempts === 1;
        processing.status = fails ? 'failed' : 'indexed';
        processing.error = fails ? 'InvalidImageFormatException: could not decode the image' : null;
        processing.faceCount = fails ? null : 2;
        processing.updatedAt = new Date().toISOString();
        broadcast(album);
        continue;
      }
      const queued = album.images.find((i) => i.status === 'queued');
      if (queued) {
        queued.status = 'processing';
        broadcast(album);
      }
    }
  }, options.tickMs ?? 50);

  const albumFor = (id: string): MockAlbum => {
    const album = albums.get(id);
    if (!album) throw new HttpError(404, 'ResourceNotFoundException', 'No such album');
    return album;
  };
  const byToken = (token: string): MockAlbum => {
    const album = [...albums.values()].find((a) => a.shareToken === token);
    if (!album || !album.selfieSearch) throw new HttpError(404, 'ResourceNotFoundException', 'No such album');
    return album;
  };

  const search = async (req: IncomingMessage, album: MockAlbum, base: string) => {
    const form = await formData(req);
    const file = form.get('file');
    if (!(file instanceof File)) throw new HttpError(400, 'InvalidParameterException', 'file is required');
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!isImage(bytes)) throw new HttpError(415, 'InvalidImageFormatException', 'Not an image');
    const stem = file.name.replace(/\.[^.]+$/, '');
    if (stem.startsWith('noface')) throw new HttpError(400, 'InvalidParameterException', 'There are no faces in the image');
    const matches: PhotoMatch[] = album.images
      .filter((i) => i.status === 'indexed' && (i.name ?? '').includes(stem))
      .map((i, n) => ({
        imageId: i.imageId, name: i.name, similarity: 99 - n,
        box: { Left: 0.3, Top: 0.2, Width: 0.25, Height: 0.35 },
        url: `${base}/photos/${i.imageId}`, thumbnailUrl: `${base}/photos/${i.imageId}/thumbnail`,
      }));
    return { matches, searchedFace: { box: { Left: 0.3, Top: 0.2, Width: 0.4, Height: 0.5 } } };
  };

  const studio = async (req: IncomingMessage, res: ServerResponse, parts: string[], url: URL): Promise<unknown> => {
    if (req.headers.authorization !== `Bearer ${options.key}`) throw new HttpError(401, 'UnrecognizedClientException', 'Bad key');
    const [, id, sub, imageId, leaf] = parts;
    const method = req.method ?? 'GET';
    if (!id) {
      if (method === 'GET') return { albums: [...albums.values()].map(view) };
      const { name } = (await jsonBody(req)) as { name?: string };
      if (!name) throw new HttpError(400, 'InvalidParameterException', 'name is required');
      const albumId = randomUUID();
      const album: MockAlbum = { albumId, name, collectionId: `album-${albumId}`, createdAt: new Date().toISOString(), shareToken: randomUUID().replace(/-/g, ''), selfieSearch: false, images: [], listeners: new Set() };
      albums.set(albumId, album);
      res.statusCode = 201;
      return view(album);
    }
    const album = albumFor(id);
    if (!sub) {
      if (method === 'PATCH') Object.assign(album, pick((await jsonBody(req)) as Record<string, unknown>));
      return view(album);
    }
    if (sub === 'events') return openEvents(req, res, album, progressOf(album));
    if (sub === 'people') return { people: album.images.some((i) => i.status === 'indexed') ? [{ personId: 'p1', faceCount: 1, photoCount: 1, sample: { imageId: album.images.find((i) => i.status === 'indexed')?.imageId, box: { Left: 0.3, Top: 0.2, Width: 0.25, Height: 0.35 } } }] : [] };
    if (sub === 'search') return search(req, album, `/api/v1/albums/${album.albumId}`);
    if (sub === 'uploads') return uploads(req, res, album, imageId);
    if (sub !== 'photos') throw new HttpError(404, 'NotFoundException', 'No route');
    if (method === 'POST' && imageId === 'retry') {
      const { imageIds } = (await jsonBody(req)) as { imageIds?: string[] };
      const failed = album.images.filter((i) => i.status === 'failed' && (!imageIds || imageIds.includes(i.imageId)));
      for (const image of failed) Object.assign(image, { status: 'queued', error: null });
      broadcast(album);
      return { requeued: failed.length };
    }
    if (!imageId) {
      const status = url.searchParams.get('status');
      return { photos: album.images.filter((i) => !status || i.status === status).map(imageView) };
    }
    const image = album.images.find((i) => i.imageId === imageId);
    if (!image) throw new HttpError(404, 'ResourceNotFoundException', 'No such photo');
    if (leaf === 'faces') return { faces: [{ faceId: `${imageId}-f1`, box: { Left: 0.3, Top: 0.2, Width: 0.25, Height: 0.35 }, personId: 'p1' }] };
    return sendBytes(res, image);
  };

  /** The direct-upload flow the dashboard uses: slots, PUTs, then confirmation. */
  const pending = new Map<string, { albumId: string; bytes?: Uint8Array; type: string }>();
  const uploads = async (req: IncomingMessage, res: ServerResponse, album: MockAlbum, imageId: string | undefined) => {
    const method = req.method ?? 'GET';
    if (method === 'POST' && !imageId) {
      const { files } = (await jsonBody(req)) as { files?: { name: string; contentType?: string }[] };
      if (!files?.length) throw new HttpError(400, 'InvalidParameterException', 'files is required');
      return {
        direct: false,
        uploads: files.map((f) => {
          const id = randomUUID();
          pending.set(id, { albumId: album.albumId, type: f.contentType ?? 'image/jpeg' });
          return { imageId: id, method: 'PUT', url: `/api/v1/albums/${album.albumId}/uploads/${id}`, headers: f.contentType ? { 'Content-Type': f.contentType } : {} };
        }),
      };
    }
    if (method === 'PUT' && imageId) return putUpload(req, res, album, imageId);
    if (method === 'POST' && imageId === 'complete') {
      const { imageIds, names } = (await jsonBody(req)) as { imageIds: string[]; names?: Record<string, string> };
      const accepted: AlbumImage[] = [];
      const rejected: { imageId: string; name: string | null; code: string; message: string }[] = [];
      for (const id of imageIds) {
        const slot = pending.get(id);
        const name = names?.[id] ?? null;
        if (!slot?.bytes || slot.albumId !== album.albumId) {
          rejected.push({ imageId: id, name, code: 'InvalidParameterException', message: 'Nothing was uploaded for this photo' });
          continue;
        }
        pending.delete(id);
        const image: MockImage = { imageId: id, name, status: 'queued', faceCount: null, error: null, attempts: 0, sizeBytes: slot.bytes.length, updatedAt: new Date().toISOString(), bytes: slot.bytes, type: slot.type };
        album.images.push(image);
        accepted.push(imageView(image));
      }
      broadcast(album);
      return { queued: accepted.length, accepted, rejected };
    }
    throw new HttpError(404, 'NotFoundException', 'No route');
  };

  const putUpload = async (req: IncomingMessage, res: ServerResponse, album: MockAlbum, imageId: string) => {
    const slot = pending.get(imageId);
    if (!slot || slot.albumId !== album.albumId) throw new HttpError(404, 'ResourceNotFoundException', 'No such upload');
    const bytes = new Uint8Array(await readBody(req));
    if (dropUploads > 0) {
      dropUploads--;
      // Cut mid-response: a connection closed before any response is silently retried by Chromium.
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x');
      setTimeout(() => res.socket?.destroy(), 10);
      return undefined;
    }
    if (!isImage(bytes)) throw new HttpError(415, 'InvalidImageFormatException', 'Not a JPEG or PNG image');
    slot.bytes = bytes;
    res.writeHead(204).end();
    return undefined;
  };

  const publicApi = async (req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<unknown> => {
    const [, , token, sub, imageId] = parts;
    const album = byToken(token);
    if (!sub) return { name: album.name, selfieSearch: album.selfieSearch, photoCount: album.images.length };
    if (sub === 'search' && req.method === 'POST') return search(req, album, `/api/v1/public/albums/${token}`);
    if (sub === 'photos') {
      const image = album.images.find((i) => i.imageId === imageId);
      if (!image) throw new HttpError(404, 'ResourceNotFoundException', 'No such photo');
      return sendBytes(res, image);
    }
    if (sub === 'download') {
      res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from('504b0506000000000000000000000000000000000000', 'hex'));
      return undefined;
    }
    throw new HttpError(404, 'NotFoundException', 'No route');
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mock');
    if (!url.pathname.startsWith('/api/v1/')) {
      web(req, res, () => res.writeHead(404).end());
      return;
    }
    const parts = url.pathname.slice('/api/v1/'.length).split('/').map(decodeURIComponent);
    const handler = parts[0] === 'albums' ? studio(req, res, parts, url) : parts[0] === 'public' && parts[1] === 'albums' ? publicApi(req, res, parts) : Promise.reject(new HttpError(404, 'NotFoundException', 'No route'));
    handler.then(
      (body) => {
        if (body !== undefined && !res.headersSent) res.writeHead(res.statusCode || 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      (error: unknown) => {
        const e = error instanceof HttpError ? error : new HttpError(500, 'InternalServerError', String(error));
        if (!res.headersSent) res.writeHead(e.status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: e.code, message: e.message, requestId: randomUUID() }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dropNextUploads: (n) => void (dropUploads = n),
    close: async () => {
      clearInterval(timer);
      for (const album of albums.values()) for (const res of album.listeners) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function openEvents(req: IncomingMessage, res: ServerResponse, album: MockAlbum, progress: AlbumProgress): undefined {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(': connected\n\n');
  album.listeners.add(res);
  req.on('close', () => album.listeners.delete(res));
  res.write(`event: progress\ndata: ${JSON.stringify(progress)}\n\n`);
  return undefined;
}

function pick(body: Record<string, unknown>): Partial<Album> {
  const out: Partial<Album> = {};
  if (typeof body.name === 'string') out.name = body.name;
  if (typeof body.selfieSearch === 'boolean') out.selfieSearch = body.selfieSearch;
  return out;
}

function sendBytes(res: ServerResponse, image: MockImage): undefined {
  res.writeHead(200, { 'content-type': image.type, 'content-length': String(image.bytes.length) }).end(image.bytes);
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : {};
}

/** Lets the WHATWG Request parse multipart, so the mock needs no parser of its own. */
async function formData(req: IncomingMessage): Promise<FormData> {
  const body = await readBody(req);
  return new Request('http://mock/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body }).formData();
}
