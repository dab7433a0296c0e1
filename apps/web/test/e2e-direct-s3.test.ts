/**
 * Direct-to-S3 uploads from the dashboard, end to end: the real gateway with its photos in an S3
 * bucket (s3rver, with the CORS rule a production bucket has), Debian's Chromium on the dashboard.
 * The photo bytes must go from the browser straight to the bucket on presigned URLs — never through
 * the gateway — and the album must still be processed to 100 %.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@facerec/gateway';
import { startS3rver, TEST_AWS_CREDENTIALS, TEST_AWS_REGION } from '@facerec/storage/testing/aws-peers';
import type { Browser, Page } from 'playwright-core';
import { buildWebAssets } from '../src/build.js';
import { launch, requireFile, screenshots, VIEWPORTS } from './browser.js';

const FACES = '/work/shared/faces/dev';
const PORTRAITS = ['barack_obama/1.jpg', 'angelina_jolie/1.jpg', 'alex_lacamoire/1.jpg'].map((p) => path.join(FACES, p));
const BUCKET = 'studio-photos';
/** Three portraits on two shared cores: a ceiling for a stuck run, not a speed check. */
const PROCESSING_CEILING_MS = 10 * 60_000;

/** Every object key under the s3rver directory's bucket folder (s3rver keeps one folder per key). */
async function storedKeys(directory: string): Promise<string[]> {
  const entries = await readdir(path.join(directory, BUCKET), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('._S3rver_object')).map((e) => path.join(e.parentPath, e.name));
}

describe('dashboard uploads go straight to S3', () => {
  let dataDir: string;
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let gateway: RunningGateway;
  let browser: Browser;
  let page: Page;
  const requests: { method: string; url: string }[] = [];
  for (const file of PORTRAITS) requireFile(file);

  before(async () => {
    await buildWebAssets();
    s3 = await startS3rver({ buckets: [BUCKET], cors: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-web-s3-'));
    gateway = await startGateway(loadGatewayConfig({
      ...process.env,
      FACEREC_DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      FACEREC_BLOB_STORE: 's3',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_REGION: TEST_AWS_REGION,
      AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    }), { notice: () => undefined });
    browser = await launch();
    page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    page.on('request', (request) => requests.push({ method: request.method(), url: request.url() }));
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    await s3?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('the photos are PUT to the bucket, confirmed, and processed', async () => {
    const initial = gateway.initialKey;
    assert.ok(initial, 'a fresh data dir must create the initial key');
    await page.goto(`${gateway.url}/`);
    await page.getByLabel('API key').fill(`${initial.accessKeyId}:${initial.secretAccessKey}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('New album name').fill('Direct to S3');
    await page.getByRole('button', { name: 'Create album' }).click();
    await page.getByRole('heading', { name: 'Direct to S3' }).waitFor();

    await page.setInputFiles('#photo-files', PORTRAITS);
    await page.locator('.upload-list li[data-state="done"]').nth(PORTRAITS.length - 1).waitFor({ timeout: 120_000 });
    await page.getByText(`${PORTRAITS.length} photos uploaded.`).waitFor();
    await page.locator('[data-testid="processing-progress"][aria-valuenow="100"]').waitFor({ timeout: PROCESSING_CEILING_MS });
    assert.match(await page.getByTestId('processing-details').innerText(), new RegExp(`^${PORTRAITS.length} indexed · 0 failed`));
    await screenshots(page, 's3', '1-uploaded-direct');

    const puts = requests.filter((r) => r.method === 'PUT');
    assert.equal(puts.length, PORTRAITS.length, `one PUT per photo: ${JSON.stringify(puts)}`);
    for (const put of puts) {
      assert.ok(put.url.startsWith(`${s3.endpoint}/${BUCKET}/`), `PUT went to ${put.url}, not the bucket`);
      assert.match(put.url, /X-Amz-Signature=/, 'a presigned URL');
    }
    const throughGateway = requests.filter((r) => r.url.startsWith(gateway.url) && (r.method === 'PUT' || (r.method === 'POST' && new URL(r.url).pathname.endsWith('/photos'))));
    assert.deepEqual(throughGateway, [], 'no photo bytes went through the gateway');
    assert.equal(requests.filter((r) => r.url.endsWith('/uploads')).length, 1, 'one batch of slots for three files');
    assert.equal((await storedKeys(s3.directory)).length, PORTRAITS.length, 'the bucket holds the three photos');
  });
});
