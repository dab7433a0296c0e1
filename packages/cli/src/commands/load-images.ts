/** Images for the load benches (search-load, soak): portraits by identity, resized as phone selfies. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/** The JPEGs of every identity folder under `dir` (folders starting with `_` are skipped), sorted. */
export async function portraitsOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('_')) continue;
    for (const f of await readdir(path.join(dir, entry.name))) if (/\.jpe?g$/i.test(f)) out.push(path.join(dir, entry.name, f));
  }
  return out.sort();
}

/** Selfie-sized JPEGs (≈ 640 px long side, quality 85), as a phone upload would be after resizing. */
export async function selfies(files: readonly string[]): Promise<Uint8Array[]> {
  return Promise.all(files.map(async (f) => new Uint8Array(await sharp(await readFile(f)).rotate().resize(640, 640, { fit: 'inside', withoutEnlargement: false }).jpeg({ quality: 85 }).toBuffer())));
}
