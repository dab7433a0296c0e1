import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { MissingFileError } from './errors.js';

const IMAGE_EXTENSIONS = /\.(jpe?g|png)$/i;

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.test(name);
}

/** Reads a file, turning "not there" into a MissingFileError that names the path. */
export async function readRequired(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isNotFound(error)) throw new MissingFileError(path, `${what} not found`, { cause: error });
    throw error;
  }
}

/**
 * Image files (JPEG/PNG) under `dir`, as paths relative to it, sorted so runs are repeatable.
 * With `recursive`, sub-folders are included except hidden ones (starting with `.`).
 */
export async function listImages(dir: string, options: { recursive: boolean }): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: options.recursive });
  } catch (error) {
    if (isNotFound(error)) throw new MissingFileError(dir, 'image folder not found', { cause: error });
    throw error;
  }
  return entries
    .filter((e) => e.isFile() && isImageFile(e.name))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((rel) => !rel.split(/[\\/]/).slice(0, -1).some((part) => part.startsWith('.')))
    .sort();
}

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
