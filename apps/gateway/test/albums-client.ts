/**
 * Test helpers for the albums API: the shared dev photos (failing loudly when missing), a small
 * REST client, an SSE reader and a ZIP reader to check downloads.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

export const FACES_DEV = '/work/shared/faces/dev';

export function requireDevPhotos(): void {
  if (!existsSync(path.join(FACES_DEV, '_groups', 'faces.csv'))) {
    throw new Error(`The shared test photos are missing: ${FACES_DEV} (see /work/shared/faces/README.md). These tests need them.`);
  }
}

/** Every .jpg under dev/ (identities, groups, non-faces), sorted. */
export function devPhotos(): string[] {
  requireDevPhotos();
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.toLowerCase().endsWith('.jpg')) out.push(full);
    }
  };
  walk(FACES_DEV);
  return out;
}

export interface AlbumView {
  albumId: string;
  name: string;
  shareToken: string;
  selfieSearch: boolean;
  progress: Progress;
}

export interface Progress {
  total: number;
  queued: number;
  processing: number;
  indexed: number;
  failed: number;
  faces: number;
  done: boolean;
}

export interface Photo {
  imageId: string;
  name: string | null;
  status: string;
  faceCount: number | null;
  error: string | null;
  attempts: number;
}

export class AlbumsClient {
  constructor(
    readonly base: string,
    private readonly key: string,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.key}`, ...extra };
  }

  async call<T>(method: string, route: string, body?: unknown, expect = 200): Promise<T> {
    const res = await fetch(`${this.base}/api/v1${route}`, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    assert.equal(res.status, expect, `${method} ${route}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  createAlbum(name: string): Promise<AlbumView> {
    return this.call('POST', '/albums', { name }, 201);
  }

  /** One multipart request with every file as a `files` part. */
  async upload(albumId: string, files: readonly { name: string; bytes: Uint8Array; type?: string }[]): Promise<{ accepted: Photo[]; rejected: { name: string; code: string; message: string }[] }> {
    const form = new FormData();
    for (const f of files) form.append('files', new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'image/jpeg' }), f.name);
    const res = await fetch(`${this.base}/api/v1/albums/${albumId}/photos`, { method: 'POST', headers: this.headers(), body: form });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    return JSON.parse(text) as { accepted: Photo[]; rejected: { name: string; code: string; message: string }[] };
  }

  async uploadFiles(albumId: string, files: readonly { name: string; file: string }[], batch = 25): Promise<Photo[]> {
    const accepted: Photo[] = [];
    for (let i = 0; i < files.length; i += batch) {
      const result = await this.upload(albumId, files.slice(i, i + batch).map((f) => ({ name: f.name, bytes: readFileSync(f.file) })));
      assert.deepEqual(result.rejected, []);
      accepted.push(...result.accepted);
    }
    return accepted;
  }

  async progress(albumId: string): Promise<Progress> {
    return (await this.call<AlbumView>('GET', `/albums/${albumId}`)).progress;
  }

  async allPhotos(albumId: string, status?: string): Promise<Photo[]> {
    const out: Photo[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams({ limit: '500', ...(status ? { status } : {}), ...(token ? { nextToken: token } : {}) });
      const page = await this.call<{ photos: Photo[]; nextToken?: string }>('GET', `/albums/${albumId}/photos?${q}`);
      out.push(...page.photos);
      token = page.nextToken;
    } while (token);
    return out;
  }

  /** Polls until done; `ceilingMs` only stops a hung test, it asserts nothing about speed. */
  async waitDone(albumId: string, ceilingMs: number, onPoll?: (p: Progress) => Promise<void> | void): Promise<Progress> {
    const deadline = Date.now() + ceilingMs;
    for (;;) {
      const p = await this.progress(albumId);
      await onPoll?.(p);
      if (p.done) return p;
      if (Date.now() > deadline) throw new Error(`album ${albumId} not done: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async search(route: string, selfie: Uint8Array, fields: Record<string, string> = {}, auth = true): Promise<Response> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(selfie)], { type: 'image/jpeg' }), 'selfie.jpg');
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return fetch(`${this.base}/api/v1${route}`, { method: 'POST', headers: auth ? this.headers() : {}, body: form });
  }
}

/** Reads `event:`/`data:` blocks from an SSE response until `stop` says so. */
export async function readEvents(res: Response, stop: (event: string, data: string) => boolean): Promise<{ event: string; data: string }[]> {
  assert.ok(res.body, 'event stream has a body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: string }[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (data.length === 0) continue;
      events.push({ event, data: data.join('\n') });
      if (stop(event, data.join('\n'))) {
        await reader.cancel();
        return events;
      }
    }
  }
}

/** Entries of a ZIP (stored entries only), checked against their central directory CRCs. */
export function readStoredZip(zip: Buffer): { name: string; bytes: Buffer }[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'end of central directory present');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: { name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'central directory header');
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    assert.equal(zip.readUInt32LE(local), 0x04034b50, 'local header');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const bytes = zip.subarray(dataStart, dataStart + size);
    assert.equal(crc32(bytes), crc, `CRC of ${name}`);
    out.push({ name, bytes });
    at += 46 + nameLength + extra + comment;
  }
  return out;
}
