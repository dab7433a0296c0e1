/**
 * End to end against the REAL gateway (embedded mode, real models): create an album on the
 * dashboard, upload the dev group photos through the page, watch processing reach 100 %, open the
 * storefront link on a phone-sized page, search with a portrait of Barack Obama, and see exactly
 * the two group photos he is in (per _groups/faces.csv). Screenshots of each step at 375 px and
 * desktop width go to test-artifacts/web/.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@facerec/gateway';
import type { Browser, Page } from 'playwright-core';
import { buildWebAssets } from '../src/build.js';
import { launch, requireFile, screenshots, VIEWPORTS } from './browser.js';

const FACES = '/work/shared/faces/dev';
const GROUPS = path.join(FACES, '_groups');
const PORTRAIT = path.join(FACES, 'barack_obama', '1.jpg');
/** Group photos with Barack Obama in them, from _groups/faces.csv. */
const OBAMA_PHOTOS = ['obama_and_biden.jpg', 'two_people.jpg'];
/** Indexing ten group photos on two shared cores takes a while; no wall-clock assertion, only a ceiling. */
const PROCESSING_CEILING_MS = 15 * 60_000;

function groupPhotos(): string[] {
  requireFile(path.join(GROUPS, 'faces.csv'));
  const files = readdirSync(GROUPS).filter((f) => f.endsWith('.jpg')).sort();
  for (const name of OBAMA_PHOTOS) assert.ok(files.includes(name), `${name} missing from ${GROUPS}`);
  return files.map((f) => requireFile(path.join(GROUPS, f)));
}

describe('studio → storefront on the real gateway', () => {
  let dataDir: string;
  let gateway: RunningGateway;
  let browser: Browser;
  let studio: Page;
  let key: string;
  let storefront = '';
  const photos = groupPhotos();
  requireFile(PORTRAIT);

  before(async () => {
    await buildWebAssets();
    dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-web-e2e-'));
    gateway = await startGateway(loadGatewayConfig({ ...process.env, FACEREC_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' }), { notice: () => undefined });
    const initial = gateway.initialKey;
    assert.ok(initial, 'a fresh data dir must create the initial key');
    key = `${initial.accessKeyId}:${initial.secretAccessKey}`;
    browser = await launch();
    studio = await browser.newPage({ viewport: VIEWPORTS.desktop });
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('the gateway serves the dashboard and the album API', async () => {
    const page = await fetch(`${gateway.url}/studio/`);
    assert.equal(page.status, 200, 'GET /studio/ must serve the dashboard: mount webHandler() from @facerec/web in the gateway');
    const albums = await fetch(`${gateway.url}/api/v1/albums`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(albums.status, 200, `GET /api/v1/albums answered ${albums.status}: ${await albums.text()}`);
  });

  test('signs in and creates an album', async () => {
    await studio.goto(`${gateway.url}/`);
    await studio.getByLabel('API key').fill(key);
    await studio.getByRole('button', { name: 'Sign in' }).click();
    await studio.getByRole('heading', { name: 'Albums' }).waitFor();
    await screenshots(studio, 'e2e', '1-signed-in');
    await studio.getByLabel('New album name').fill('Group photos');
    await studio.getByRole('button', { name: 'Create album' }).click();
    await studio.getByRole('heading', { name: 'Group photos' }).waitFor();
    await screenshots(studio, 'e2e', '2-album-created');
  });

  test('uploads the group photos and processing reaches 100 %', async () => {
    await studio.setInputFiles('#photo-files', photos);
    await studio.locator('[data-testid="upload-progress"][aria-valuenow="100"]').waitFor({ timeout: 120_000 });
    await screenshots(studio, 'e2e', '3-uploaded');
    await studio.locator('[data-testid="processing-progress"][aria-valuenow="100"]').waitFor({ timeout: PROCESSING_CEILING_MS });
    const details = await studio.getByTestId('processing-details').innerText();
    assert.match(details, new RegExp(`^${photos.length} indexed · 0 failed`));
    await studio.getByRole('heading', { name: `Photos (${photos.length} indexed of ${photos.length})` }).waitFor();
    await screenshots(studio, 'e2e', '4-processed');
  });

  test('turns selfie search on and shows the storefront link', async () => {
    await studio.getByRole('switch', { name: 'Selfie search' }).check();
    await studio.getByText('Selfie search is on.').waitFor();
    storefront = (await studio.getByTestId('storefront-link').getAttribute('href')) ?? '';
    assert.ok(storefront.startsWith(`${gateway.url}/s/`), storefront);
    await screenshots(studio, 'e2e', '5-shared');
  });

  test('a portrait of Barack Obama finds exactly his two group photos', async () => {
    const guest = await browser.newPage({ viewport: VIEWPORTS.mobile });
    await guest.goto(storefront);
    await guest.getByText('It is not stored.').waitFor();
    await screenshots(guest, 'e2e', '6-storefront');
    await guest.locator('#selfie').setInputFiles(PORTRAIT);
    await guest.getByRole('heading', { name: `${OBAMA_PHOTOS.length} photos of you` }).waitFor({ timeout: 120_000 });
    const names = await guest.locator('.match .match-name').allInnerTexts();
    assert.deepEqual([...names].sort(), OBAMA_PHOTOS);
    // Thumbnails load from the public photo URLs (a string: this file is checked without the DOM library).
    await guest.waitForFunction("[...document.querySelectorAll('.match img')].every((img) => img.complete && img.naturalWidth > 0)");
    await screenshots(guest, 'e2e', '7-results');
    await guest.close();
  });
});
