/** Helpers for the runners' tests: temp folders of fake images and the shared test-image folder. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Creates a temp folder, lets `fn` fill and use it, and always removes it. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'facerec-eval-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes files given as { relative path: content }, creating folders. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/**
 * Fake images whose content is "<identity>/<name>" (see FakeFaceEngine), written as
 * `<identity>/<name>.jpg`.
 */
export async function writeFakeImages(root: string, names: readonly string[]): Promise<void> {
  await writeFiles(root, Object.fromEntries(names.map((n) => [`${n}.jpg`, n])));
}

/** The shared test images (`../shared/faces` from the repo root); throws with a clear message if absent. */
export function sharedFacesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = resolve(here, '../../../../shared/faces');
  if (!existsSync(dir)) {
    throw new Error(`shared test images not found at ${dir}: this test needs ../shared/faces next to the repo (see its README)`);
  }
  return dir;
}
