/**
 * BlobStore on a local directory, for the embedded mode. Keys are `/`-separated relative paths.
 * Writes go to a temp file under the root and are renamed into place, so a reader never sees half
 * an object and a crash leaves only a temp file behind. The content type lives in a sidecar tree
 * (`.meta/<key>`) because a plain file has nowhere else to keep it.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, InvalidBlobKeyError } from './blob-store.js';
import type { BlobStore } from './blob-store.js';
import { ByteLimit, asReadable } from './byte-limit.js';

/** Top-level names the store keeps for itself; keys may not start with them. */
const TMP_DIR = '.tmp';
const META_DIR = '.meta';
const RESERVED = new Set([TMP_DIR, META_DIR]);

export interface FsBlobStoreOptions {
  root: string;
}

export class FsBlobStore implements BlobStore {
  private readonly root: string;

  constructor(options: FsBlobStoreOptions) {
    this.root = options.root;
  }

  async put(key: string, body: Readable | Uint8Array, options: { contentType?: string; maxBytes?: number } = {}): Promise<{ size: number }> {
    const target = this.pathOf(key);
    await mkdir(join(this.root, TMP_DIR), { recursive: true });
    const temp = join(this.root, TMP_DIR, randomUUID());
    const limit = new ByteLimit(key, options.maxBytes);
    try {
      await pipeline(asReadable(body), limit, createWriteStream(temp, { flags: 'wx' }));
      await this.writeMeta(key, options.contentType);
      await mkdir(dirname(target), { recursive: true }).catch((error: unknown) => rethrowKeyClash(key, error));
      await rename(temp, target).catch((error: unknown) => rethrowKeyClash(key, error));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { size: limit.bytes };
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      throw isMissing(error) ? new BlobNotFoundError(key) : error;
    }
  }

  async head(key: string): Promise<{ size: number; contentType?: string } | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      const contentType = await this.readMeta(key);
      return contentType === undefined ? { size: info.size } : { size: info.size, contentType };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const path = this.pathOf(key);
      await rm(path, { force: true }).catch((error: unknown) => {
        // A key naming a directory (another key's prefix) is not an object: nothing to delete.
        if (!isDirectoryError(error)) throw error;
      });
      await rm(this.metaPathOf(key), { force: true }).catch(() => undefined);
      await this.pruneEmptyDirs(dirname(path), this.root);
      await this.pruneEmptyDirs(dirname(this.metaPathOf(key)), join(this.root, META_DIR));
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const base = validatePrefix(prefix);
    const startDir = base === '' ? this.root : join(this.root, ...base.split('/'));
    for await (const key of this.walk(startDir, base)) {
      if (key.startsWith(prefix)) yield key;
    }
  }

  async presignPut(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    return join(this.root, ...validateKey(key));
  }

  private metaPathOf(key: string): string {
    return join(this.root, META_DIR, ...validateKey(key));
  }

  private async writeMeta(key: string, contentType: string | undefined): Promise<void> {
    const path = this.metaPathOf(key);
    if (contentType === undefined) {
      await rm(path, { force: true }).catch(() => undefined);
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, contentType);
  }

  private async readMeta(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.metaPathOf(key), 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Yields the keys of every file under `dir`, whose key prefix is `keyPrefix` ('' or ends in '/'). */
  private async *walk(dir: string, keyPrefix: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (keyPrefix === '' && RESERVED.has(entry.name)) continue;
      const key = keyPrefix + entry.name;
      if (entry.isDirectory()) yield* this.walk(join(dir, entry.name), `${key}/`);
      else if (entry.isFile()) yield key;
    }
  }

  /** Removes directories left empty by a delete, up to (not including) `stop`. */
  private async pruneEmptyDirs(dir: string, stop: string): Promise<void> {
    let current = dir;
    while (current.length > stop.length && current.startsWith(stop + sep)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }
}

/** Splits a key into path segments, refusing anything that could escape the root. */
export function validateKey(key: string): string[] {
  if (key.length === 0) throw new InvalidBlobKeyError(key, 'empty');
  if (key.includes('\0')) throw new InvalidBlobKeyError(key, 'contains NUL');
  if (key.includes('\\')) throw new InvalidBlobKeyError(key, 'contains a backslash');
  if (key.startsWith('/')) throw new InvalidBlobKeyError(key, 'absolute');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidBlobKeyError(key, 'empty, "." or ".." path segment');
    }
  }
  if (RESERVED.has(segments[0])) throw new InvalidBlobKeyError(key, `"${segments[0]}" is reserved`);
  return segments;
}

/** The directory part of a list prefix ('' or 'a/b/'), validated like a key. */
function validatePrefix(prefix: string): string {
  const cut = prefix.lastIndexOf('/');
  if (prefix.includes('\0') || prefix.includes('\\')) throw new InvalidBlobKeyError(prefix, 'unsafe prefix');
  if (cut < 0) return '';
  const base = prefix.slice(0, cut + 1);
  validateKey(base.slice(0, -1));
  return base;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function isDirectoryError(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'EISDIR' || code === 'ERR_FS_EISDIR' || code === 'EPERM';
}

/** On a filesystem `a` cannot be both an object and the directory of `a/b` (S3 allows it). */
function rethrowKeyClash(key: string, error: unknown): never {
  const code = errorCode(error);
  if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR') {
    throw new InvalidBlobKeyError(key, 'clashes with an existing key (one key is a prefix directory of the other)');
  }
  throw error;
}
