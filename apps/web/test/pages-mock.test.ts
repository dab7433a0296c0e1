/**
 * The pages' behaviour in a real browser against the mock albums API (dev/mock-server.ts): sign in,
 * create, upload with a dropped connection and retry, a refused file, processing to 100 %, failed
 * photos and their retry, the share panel, and every storefront message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildWebAssets } from '../src/build.js';
import { startMockServer, type MockServer } from '../dev/mock-server.js';
import { launch, screenshots, VIEWPORTS } from './browser.js';

const KEY = 'MOCKKEY:mocksecret';
/** The mock only checks the JPEG signature. */
const jpeg = (name: string) => ({ name, mimeType: 'image/jpeg', buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]) });

describe('studio and storefront on the mock API', () => {
  let mock: MockServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    await buildWebAssets();
    mock = await startMockServer({ key: KEY, tickMs: 40 });
    browser = await launch();
    page = await browser.newPage({ viewport: VIEWPORTS.desktop });
  });

  after(async () => {
    await browser?.close();
    await mock?.close();
  });

  test('a wrong key is refused, the right one signs in and stays out of the URL', async () => {
    await page.goto(`${mock.url}/`);
    assert.equal(new URL(page.url()).pathname, '/studio/');
    await page.getByLabel('API key').fill('WRONG:key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That API key was not accepted.').waitFor();
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Albums' }).waitFor();
    assert.ok(!page.url().includes('mocksecret'));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('facerec.studio.key')), KEY);
  });

  test('creates an album and retries an upload whose connection dropped', async () => {
    await page.getByLabel('New album name').fill('Garden party');
    await page.getByRole('button', { name: 'Create album' }).click();
    await page.getByRole('heading', { name: 'Garden party' }).waitFor();
    mock.dropNextUploads(3); // the first attempt and both automatic retries
    await page.setInputFiles('#photo-files', [jpeg('anna-1.jpg')]);
    const retry = page.getByRole('button', { name: 'Retry anna-1.jpg' });
    await retry.waitFor();
    await screenshots(page, 'mock', '1-upload-failed');
    await retry.click();
    await page.locator('.upload-list li[data-state="done"]').first().waitFor();
  });

  test('uploads several photos, refuses a non-image, and processing reaches 100 %', async () => {
    await page.setInputFiles('#photo-files', [jpeg('anna-2.jpg'), jpeg('bob-1.jpg'), jpeg('group-fail.jpg'), { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not really a jpeg') }]);
    await page.locator('.upload-list li[data-state="rejected"]', { hasText: 'Not a JPEG or PNG image' }).waitFor();
    // The bars already stood at 100 % for the first photo: wait for the new photos' own states.
    await page.locator('.upload-list li[data-state="done"]').nth(3).waitFor();
    await page.locator('[data-testid="upload-progress"][aria-valuenow="100"]').waitFor();
    await page.getByTestId('processing-details').filter({ hasText: /3 indexed · 1 failed · 0 queued · 0 processing/ }).waitFor();
    assert.equal(await page.getByTestId('processing-progress').getAttribute('aria-valuenow'), '100');
    await page.getByRole('heading', { name: 'Failed photos' }).waitFor();
    await page.getByText('could not decode the image').waitFor();
    await screenshots(page, 'mock', '2-processed-with-failure');
  });

  test('a failed photo retried from the failed list gets indexed', async () => {
    await page.getByRole('button', { name: 'Retry group-fail.jpg' }).click();
    await page.getByRole('heading', { name: 'Photos (4 indexed of 4)' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Failed photos' }).isVisible(), false);
  });

  test('a folder-like drop adds files through the drop zone', async () => {
    // A string, because this file is type-checked without the DOM library.
    const transfer = await page.evaluateHandle(`(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], 'dropped-anna.jpg', { type: 'image/jpeg' }));
      return data;
    })()`);
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    await page.locator('.upload-list li[data-state="done"]', { hasText: 'dropped-anna.jpg' }).waitFor();
    await page.getByRole('heading', { name: 'Photos (5 indexed of 5)' }).waitFor();
  });

  let storefront = '';

  test('the share panel turns selfie search on and shows the link and its QR code', async () => {
    await page.getByRole('switch', { name: 'Selfie search' }).check();
    await page.getByText('Selfie search is on.').waitFor();
    storefront = (await page.getByTestId('storefront-link').getAttribute('href')) ?? '';
    assert.match(storefront, /^http:\/\/127\.0\.0\.1:\d+\/s\/[0-9a-f]{32}$/);
    assert.equal(await page.locator('.qr svg title').textContent(), 'QR code of the storefront link');
    await screenshots(page, 'mock', '3-album-shared');
  });

  test('the storefront says what went wrong and shows matches best first', async () => {
    const guest = await browser.newPage({ viewport: VIEWPORTS.mobile });
    await guest.goto(storefront);
    await guest.getByText('It is not stored.').waitFor();
    const selfie = guest.locator('#selfie');
    await selfie.setInputFiles([jpeg('noface.jpg')]);
    await guest.getByText('We could not find a face in that photo.').waitFor();
    await selfie.setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }]);
    await guest.getByText('That file is not a photo.').waitFor();
    await selfie.setInputFiles([jpeg('carol.jpg')]);
    await guest.getByRole('heading', { name: 'No photos matched' }).waitFor();
    await selfie.setInputFiles([jpeg('anna.jpg')]);
    await guest.getByRole('heading', { name: '3 photos of you' }).waitFor();
    const names = await guest.locator('.match .match-name').allInnerTexts();
    assert.deepEqual(names, ['anna-1.jpg', 'anna-2.jpg', 'dropped-anna.jpg']);
    const all = await guest.getByRole('link', { name: 'Download all (3)' }).getAttribute('href');
    assert.match(all ?? '', /\/download\?imageIds=[^,]+,[^,]+,[^,]+$/);
    await screenshots(guest, 'mock', '4-storefront-results');
    await guest.close();
  });
});
