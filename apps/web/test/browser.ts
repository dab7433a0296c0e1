/** Shared browser set-up for the page tests: Debian's chromium, headless, never a downloaded one. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts/web');

export const VIEWPORTS = {
  mobile: { width: 375, height: 812 },
  desktop: { width: 1280, height: 900 },
} as const;

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Screenshots of the current state at both widths: test-artifacts/web/<prefix>-<step>-<width>.png. */
export async function screenshots(page: Page, prefix: string, step: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  const original = page.viewportSize();
  for (const [name, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(ARTIFACTS, `${prefix}-${step}-${name}.png`), fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}

/** Fails loudly when a shared test image is missing. */
export function requireFile(file: string): string {
  if (!existsSync(file)) throw new Error(`test image missing: ${file} (see /work/shared/faces/README)`);
  return file;
}
