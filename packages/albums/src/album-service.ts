import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { FacerecError, InvalidParameterError } from '@facerec/core';
import type { AlbumRecord, CollectionRecord, ImageRecord, Repositories } from '@facerec/db';
import type { FaceEngine } from '@facerec/face';
import type { SimilarityScale } from '@facerec/rekognition';
import { albumPhotoKey, vectorCollectionKey, type BlobStore, type ImageMessage, type Queue, type VectorIndex } from '@facerec/storage';
import { clusterFaces, type Person } from './people.js';
import { toProgress, type AlbumProgress } from './progress.js';

export interface AlbumServiceDeps {
  repos: Repositories;
  blobs: BlobStore;
  queue: Queue;
  vectors: VectorIndex;
  engine: FaceEngine;
  scale: SimilarityScale;
  /** Largest accepted album photo in bytes. */
  maxPhotoBytes?: number;
  region?: string;
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
  status: ImageRecord['status'];
  faceCount: number | null;
  error: string | null;
  attempts: number;
  sizeBytes: number | null;
  updatedAt: string;
}

/** A direct upload that `completeUploads` refused, with the Rekognition-style error name. */
export interface RejectedUpload {
  imageId: string;
  name: string | null;
  code: 'InvalidParameterException' | 'ImageTooLargeException';
  message: string;
}

export interface PhotoMatch {
  imageId: string;
  name: string | null;
  similarity: number;
  box: { Left: number; Top: number; Width: number; Height: number };
}

export interface SearchResult {
  matches: PhotoMatch[];
  nextToken?: string;
  searchedFace: { box: PhotoMatch['box'] };
}

const DEFAULT_MAX_PHOTO_BYTES = 25 * 1024 * 1024;
/** JPEG, PNG (and WebP/HEIC, which the engine may refuse with a clear reason) by their first bytes. */
const IMAGE_SIGNATURES = [[0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47]];

export function looksLikeImage(head: Uint8Array): boolean {
  return IMAGE_SIGNATURES.some((sig) => sig.every((b, i) => head[i] === b));
}

export function toAlbumImage(i: ImageRecord): AlbumImage {
  return { imageId: i.id, name: i.originalName, status: i.status, faceCount: i.faceCount, error: i.error, attempts: i.attempts, sizeBytes: i.sizeBytes, updatedAt: i.updatedAt.toISOString() };
}

/**
 * The studio's albums: an album is a collection plus image records. Uploads go to the blob store,
 * then a row, then one queue message; if a later step fails the earlier ones are undone, so an
 * accepted photo always ends indexed or failed with a reason, and a refused one leaves nothing.
 */
export class AlbumService {
  private readonly thumbnails = new Map<string, Buffer>();

  constructor(private readonly deps: AlbumServiceDeps) {}

  private get repos(): Repositories {
    return this.deps.repos;
  }

  private blobKey(tenantId: string, albumId: string, imageId: string): string {
    return albumPhotoKey(tenantId, albumId, imageId);
  }

  private async collectionOf(album: AlbumRecord): Promise<CollectionRecord> {
    return this.repos.collections.getByPk(album.tenantId, album.collectionPk);
  }

  private vectorKey(c: CollectionRecord): string {
    return vectorCollectionKey({ tenantId: c.tenantId, collectionPk: c.id, modelVersion: c.faceModelVersion });
  }

  private async view(album: AlbumRecord): Promise<Album> {
    const collection = await this.collectionOf(album);
    return {
      albumId: album.id,
      name: album.name,
      collectionId: collection.collectionId,
      createdAt: album.createdAt.toISOString(),
      shareToken: album.shareToken,
      selfieSearch: album.selfieSearch,
      progress: await this.progress(album.tenantId, album.id),
    };
  }

  async create(tenantId: string, name: string): Promise<Album> {
    const cleaned = name.trim();
    if (cleaned.length < 1 || cleaned.length > 200) throw new InvalidParameterError('Request has invalid parameters: an album name is 1–200 characters');
    const albumId = randomUUID();
    const collectionId = `album-${albumId}`;
    const collection = await this.repos.collections.create({
      tenantId,
      collectionId,
      arn: `aws:rekognition:${this.deps.region ?? 'us-east-1'}:${tenantId}:collection/${collectionId}`,
      faceModelVersion: this.deps.engine.modelVersion,
    });
    return this.view(await this.repos.albums.create({ id: collection.id, tenantId }, cleaned, albumId));
  }

  async list(tenantId: string): Promise<Album[]> {
    return Promise.all((await this.repos.albums.list(tenantId)).map((a) => this.view(a)));
  }

  async get(tenantId: string, albumId: string): Promise<Album> {
    return this.view(await this.repos.albums.get(tenantId, albumId));
  }

  async update(tenantId: string, albumId: string, change: { name?: string; selfieSearch?: boolean }): Promise<Album> {
    if (change.name !== undefined && (change.name.trim().length < 1 || change.name.length > 200)) throw new InvalidParameterError('Request has invalid parameters: an album name is 1–200 characters');
    return this.view(await this.repos.albums.update(tenantId, albumId, { ...change, name: change.name?.trim() }));
  }

  async progress(tenantId: string, albumId: string): Promise<AlbumProgress> {
    return toProgress(await this.repos.albums.progress(tenantId, albumId));
  }

  /** Removes the photos' blobs, the collection's vectors, then the rows (collection, album, images, faces). */
  async delete(tenantId: string, albumId: string): Promise<void> {
    const album = await this.repos.albums.get(tenantId, albumId);
    const collection = await this.collectionOf(album);
    const keys: string[] = [];
    for await (const key of this.deps.blobs.list(`albums/${tenantId}/${albumId}/`)) keys.push(key);
    for (let i = 0; i < keys.length; i += 500) await this.deps.blobs.delete(keys.slice(i, i + 500));
    await this.deps.vectors.deleteCollection(this.vectorKey(collection));
    await this.repos.collections.delete(tenantId, collection.collectionId);
    for (const k of [...this.thumbnails.keys()]) if (k.startsWith(`${albumId}/`)) this.thumbnails.delete(k);
  }

  /** Streams one uploaded photo to the blob store and queues it; refuses non-images and oversize files. */
  async upload(tenantId: string, albumId: string, file: { name: string | null; contentType: string | null; stream: Readable }): Promise<AlbumImage> {
    await this.repos.albums.get(tenantId, albumId);
    const imageId = randomUUID();
    const key = this.blobKey(tenantId, albumId, imageId);
    const { size } = await this.deps.blobs.put(key, sniffImage(file.stream), { contentType: file.contentType ?? undefined, maxBytes: this.deps.maxPhotoBytes ?? DEFAULT_MAX_PHOTO_BYTES });
    return this.register(tenantId, albumId, [{ id: imageId, blobKey: key, originalName: file.name, contentType: file.contentType, sizeBytes: size }]).then((r) => r[0]);
  }

  /** Row then message; a failure undoes the rows and blobs so nothing half-written remains. */
  private async register(tenantId: string, albumId: string, images: { id: string; blobKey: string; originalName: string | null; contentType: string | null; sizeBytes: number }[]): Promise<AlbumImage[]> {
    let records: ImageRecord[] = [];
    try {
      records = await this.repos.images.add(tenantId, albumId, images);
      await this.deps.queue.send(records.map((r): ImageMessage => ({ tenantId, albumId, imageId: r.id, blobKey: r.blobKey })));
    } catch (e) {
      await this.repos.images.deleteMany(tenantId, records.map((r) => r.id)).catch(() => undefined);
      await this.deps.blobs.delete(images.map((i) => i.blobKey)).catch(() => undefined);
      throw e;
    }
    return records.map(toAlbumImage);
  }

  /**
   * Direct uploads: where each file goes (a presigned S3 URL, or undefined → upload through the
   * gateway). A declared content type is signed into the URL, so the PUT must send that type.
   */
  async prepareUploads(tenantId: string, albumId: string, files: readonly { contentType?: string }[]): Promise<{ imageId: string; url: string | undefined }[]> {
    await this.repos.albums.get(tenantId, albumId);
    if (!(files.length >= 1 && files.length <= 1000)) throw new InvalidParameterError('Request has invalid parameters: 1–1000 files per request');
    return Promise.all(
      files.map(async (file) => {
        const imageId = randomUUID();
        const key = this.blobKey(tenantId, albumId, imageId);
        return { imageId, url: await this.deps.blobs.presignPut(key, { expiresInSeconds: 3600, ...(file.contentType ? { contentType: file.contentType } : {}) }) };
      }),
    );
  }

  /** A direct upload through the gateway (filesystem stores), for an id `prepareUploads` gave out. */
  async putPrepared(tenantId: string, albumId: string, imageId: string, stream: Readable, contentType: string | null): Promise<void> {
    await this.repos.albums.get(tenantId, albumId);
    assertUuid(imageId);
    await this.deps.blobs.put(this.blobKey(tenantId, albumId, imageId), sniffImage(stream), { contentType: contentType ?? undefined, maxBytes: this.deps.maxPhotoBytes ?? DEFAULT_MAX_PHOTO_BYTES });
  }

  /**
   * Confirms direct uploads, each on its own: a stored blob within the size limit becomes a queued
   * photo; a missing blob, or one over the limit (deleted at once), is refused with a reason.
   * Confirming again is harmless (a photo already in this album is answered as accepted), and an
   * id that another album or studio holds is refused without touching that photo.
   */
  async completeUploads(tenantId: string, albumId: string, uploads: readonly { imageId: string; name?: string }[]): Promise<{ queued: AlbumImage[]; rejected: RejectedUpload[] }> {
    await this.repos.albums.get(tenantId, albumId);
    for (const u of uploads) assertUuid(u.imageId);
    const distinct = [...new Map(uploads.map((u) => [u.imageId, u])).values()];
    const ids = distinct.map((u) => u.imageId);
    const already = new Map((await this.repos.images.getMany(tenantId, ids)).filter((r) => r.albumId === albumId).map((r) => [r.id, r]));
    const taken = await this.repos.images.takenIds(ids);
    const limit = this.deps.maxPhotoBytes ?? DEFAULT_MAX_PHOTO_BYTES;
    const images = [];
    const rejected: RejectedUpload[] = [];
    for (const u of distinct) {
      if (already.has(u.imageId)) continue;
      const blobKey = this.blobKey(tenantId, albumId, u.imageId);
      const name = u.name ?? null;
      const refuse = (code: RejectedUpload['code'], message: string) => rejected.push({ imageId: u.imageId, name, code, message });
      if (taken.has(u.imageId)) {
        await this.deps.blobs.delete([blobKey]);
        refuse('InvalidParameterException', 'This upload id was not handed out for this album; ask for a new one');
        continue;
      }
      const head = await this.deps.blobs.head(blobKey);
      if (!head) {
        refuse('InvalidParameterException', 'Nothing was uploaded for this photo');
      } else if (head.size > limit) {
        await this.deps.blobs.delete([blobKey]);
        refuse('ImageTooLargeException', `The photo is larger than the ${limit}-byte limit`);
      } else {
        images.push({ id: u.imageId, blobKey, originalName: name, contentType: head.contentType ?? null, sizeBytes: head.size });
      }
    }
    const added = images.length > 0 ? await this.register(tenantId, albumId, images) : [];
    return { queued: [...[...already.values()].map(toAlbumImage), ...added], rejected };
  }

  async photos(tenantId: string, albumId: string, request: { status?: ImageRecord['status']; maxResults?: number; nextToken?: string }): Promise<{ photos: AlbumImage[]; nextToken?: string }> {
    await this.repos.albums.get(tenantId, albumId);
    const page = await this.repos.images.list(tenantId, albumId, request);
    return { photos: page.items.map(toAlbumImage), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  }

  /** The dashboard's retry: failed photos (all, or the ones named) go back to the queue. */
  async retry(tenantId: string, albumId: string, imageIds?: readonly string[]): Promise<number> {
    await this.repos.albums.get(tenantId, albumId);
    const targets = imageIds ? await this.repos.images.getMany(tenantId, imageIds) : (await this.repos.images.list(tenantId, albumId, { status: 'failed', maxResults: 4096 })).items;
    const failed = targets.filter((i) => i.albumId === albumId && i.status === 'failed');
    for (const image of failed) await this.repos.images.requeue(tenantId, image.id);
    if (failed.length > 0) await this.deps.queue.send(failed.map((i) => ({ tenantId, albumId, imageId: i.id, blobKey: i.blobKey })));
    return failed.length;
  }

  /** The named photos of this album, in upload order; ids of other albums or unknown ids are left out. */
  async images(tenantId: string, albumId: string, imageIds: readonly string[]): Promise<AlbumImage[]> {
    await this.repos.albums.get(tenantId, albumId);
    return (await this.repos.images.getMany(tenantId, imageIds)).filter((i) => i.albumId === albumId).map(toAlbumImage);
  }

  async photo(tenantId: string, albumId: string, imageId: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    const image = await this.imageOf(tenantId, albumId, imageId);
    return { bytes: await this.deps.blobs.get(image.blobKey), contentType: image.contentType ?? 'image/jpeg' };
  }

  /** A JPEG thumbnail (longest side `size`), made once with sharp and kept in memory. */
  async thumbnail(tenantId: string, albumId: string, imageId: string, size = 320): Promise<Buffer> {
    const cacheKey = `${albumId}/${imageId}/${size}`;
    const cached = this.thumbnails.get(cacheKey);
    if (cached) return cached;
    const { bytes } = await this.photo(tenantId, albumId, imageId);
    const thumb = await sharp(bytes, { limitInputPixels: 100_000_000 }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 78 }).toBuffer();
    if (this.thumbnails.size > 2000) this.thumbnails.delete(this.thumbnails.keys().next().value!);
    this.thumbnails.set(cacheKey, thumb);
    return thumb;
  }

  async faces(tenantId: string, albumId: string, imageId: string): Promise<{ faceId: string; box: PhotoMatch['box']; personId?: string }[]> {
    const image = await this.imageOf(tenantId, albumId, imageId);
    const album = await this.repos.albums.get(tenantId, albumId);
    const people = await this.people(tenantId, albumId);
    const personOf = new Map(people.flatMap((p) => p.faceIds.map((f) => [f, p.personId] as const)));
    const faces = await this.repos.faces.byImage({ id: album.collectionPk, tenantId }, image.id);
    return faces.map((f) => ({ faceId: f.faceId, box: f.boundingBox, ...(personOf.has(f.faceId) ? { personId: personOf.get(f.faceId) } : {}) }));
  }

  /** Who is in the album: faces grouped by identity (same person ≥ the default threshold). */
  async people(tenantId: string, albumId: string): Promise<Person[]> {
    const album = await this.repos.albums.get(tenantId, albumId);
    const scope = { id: album.collectionPk, tenantId };
    const faces = [];
    for await (const batch of this.repos.faces.embeddings(scope, 1000)) faces.push(...batch);
    const boxes = new Map((await this.repos.faces.list(scope, { maxResults: 4096 })).items.map((f) => [f.faceId, f.boundingBox]));
    return clusterFaces(faces, this.deps.scale.cosineThreshold(80), boxes);
  }

  /**
   * "Find my photos": the selfie's largest face against the album's faces; photos ranked by their
   * best face. The selfie is analysed in memory and never stored.
   */
  async search(tenantId: string, albumId: string, selfie: Uint8Array, options: { threshold?: number; limit?: number; nextToken?: string } = {}): Promise<SearchResult> {
    const album = await this.repos.albums.get(tenantId, albumId);
    const collection = await this.collectionOf(album);
    const threshold = options.threshold ?? 80;
    const limit = options.limit ?? 50;
    if (!(threshold >= 0 && threshold <= 100)) throw new InvalidParameterError('Request has invalid parameters: threshold must be between 0 and 100');
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= 500)) throw new InvalidParameterError('Request has invalid parameters: limit must be 1–500');
    const offset = options.nextToken ? decodeOffset(options.nextToken) : 0;
    if (collection.faceModelVersion !== this.deps.engine.modelVersion) throw new FacerecError('InvalidParameter', 'This album was indexed with another model version; reindex it first');
    const analysis = await this.deps.engine.analyze(selfie, { mode: 'selfie', embed: true, attributes: false });
    const face = analysis.faces[0];
    if (!face?.embedding) throw new InvalidParameterError('There are no faces in the image. Should be at least 1.');
    const hits = await this.deps.vectors.query(this.vectorKey(collection), face.embedding, { topK: 4096, minScore: this.deps.scale.cosineThreshold(threshold) });
    const best = new Map<string, { faceId: string; score: number }>();
    for (const h of hits) {
      const imageId = h.metadata.imageId;
      if (!best.has(imageId)) best.set(imageId, { faceId: h.id, score: h.score });
    }
    const ranked = [...best].slice(offset, offset + limit);
    const images = new Map((await this.repos.images.getMany(tenantId, ranked.map(([id]) => id))).map((i) => [i.id, i]));
    const faces = new Map((await this.repos.faces.getMany({ id: collection.id, tenantId }, ranked.map(([, b]) => b.faceId))).map((f) => [f.faceId, f]));
    const matches = ranked.flatMap(([imageId, b]) => {
      const image = images.get(imageId);
      const f = faces.get(b.faceId);
      return image && f ? [{ imageId, name: image.originalName, similarity: this.deps.scale.similarity(b.score), box: f.boundingBox }] : [];
    });
    const next = offset + limit < best.size ? encodeOffset(offset + limit) : undefined;
    return { matches, ...(next ? { nextToken: next } : {}), searchedFace: { box: face.BoundingBox } };
  }

  /** The storefront's view of an album, by share token; undefined when unknown. */
  async byShareToken(shareToken: string): Promise<AlbumRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{10,64}$/.test(shareToken)) return undefined;
    return this.repos.albums.findByShareToken(shareToken);
  }

  private async imageOf(tenantId: string, albumId: string, imageId: string): Promise<ImageRecord> {
    assertUuid(imageId);
    const image = await this.repos.images.get(tenantId, imageId);
    if (image.albumId !== albumId) throw new FacerecError('ResourceNotFound', `Image ${imageId} not found`);
    return image;
  }
}

function assertUuid(id: string): void {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new FacerecError('ResourceNotFound', `Image ${id} not found`);
}

function encodeOffset(n: number): string {
  return Buffer.from(`search:${n}`).toString('base64url');
}

function decodeOffset(token: string): number {
  const m = /^search:(\d{1,6})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw new FacerecError('InvalidPaginationToken', 'Invalid pagination token');
  return Number(m[1]);
}

/**
 * Passes a stream through, failing it with InvalidImageFormat when its first bytes are not a JPEG
 * or PNG signature: a PDF or text file named .jpg never reaches the store or the queue.
 */
function sniffImage(stream: Readable): Readable {
  return Readable.from(sniffed(stream));
}

async function* sniffed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let checked = false;
  let head = Buffer.alloc(0);
  {
    for await (const chunk of source) {
      if (!checked) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 4) continue;
        checked = true;
        if (!looksLikeImage(head)) throw new FacerecError('InvalidImageFormat', 'Request has invalid image format: not a JPEG or PNG file');
        yield head;
        continue;
      }
      yield chunk;
    }
    if (!checked && !looksLikeImage(head)) throw new FacerecError('InvalidImageFormat', 'Request has invalid image format: not a JPEG or PNG file');
    if (!checked) yield head;
  }
}
