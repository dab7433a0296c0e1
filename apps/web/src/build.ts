/**
 * Bundles the two pages with esbuild into dist/: a build takes well under a second, so the gateway
 * can run it at start-up and no build output is committed.
 */
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const clientDir = path.join(packageDir, 'client');

/** Absolute path of the built static files (dist/: studio.html, storefront.html, assets/). */
export function webAssetsDir(): string {
  return path.join(packageDir, 'dist');
}

export interface BuildReport {
  outDir: string;
  /** Bytes per output file, relative to outDir. */
  files: Record<string, number>;
}

export interface BuildOptions {
  outDir?: string;
  minify?: boolean;
}

export async function buildWebAssets(options: BuildOptions = {}): Promise<BuildReport> {
  const outDir = options.outDir ?? webAssetsDir();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, 'assets'), { recursive: true });
  await build({
    entryPoints: {
      studio: path.join(clientDir, 'studio', 'main.ts'),
      storefront: path.join(clientDir, 'storefront', 'main.ts'),
      styles: path.join(clientDir, 'styles.css'),
    },
    outdir: path.join(outDir, 'assets'),
    bundle: true,
    format: 'esm',
    target: ['es2022', 'safari15'],
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    tsconfig: path.join(packageDir, 'tsconfig.client.json'),
  });
  await copyFile(path.join(clientDir, 'studio', 'index.html'), path.join(outDir, 'studio.html'));
  await copyFile(path.join(clientDir, 'storefront', 'index.html'), path.join(outDir, 'storefront.html'));
  const files: Record<string, number> = {};
  for (const name of ['studio.html', 'storefront.html', 'assets/studio.js', 'assets/storefront.js', 'assets/styles.css']) {
    files[name] = (await stat(path.join(outDir, name))).size;
  }
  return { outDir, files };
}
