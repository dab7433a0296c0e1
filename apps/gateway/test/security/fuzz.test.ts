/**
 * Security promise 5 (CI part): property tests of the AWS JSON protocol parser and the multipart
 * parsers, a bounded number of runs each with a seed printed on failure (fast-check reports the
 * counterexample and the seed to replay it). The long run is `facerec bench fuzz --runs N`.
 * FUZZ_RUNS and FUZZ_SEED override the defaults (e.g. to replay a failure).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FACES_DEV } from '../albums-client.js';
import { readFileSync } from 'node:fs';
import { assertStillServing, fuzzAwsJson, fuzzMultipart, startFuzzStack, type FuzzTarget } from './fuzz.js';
import type { SecurityStack } from './stack.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

describe('fuzz: every input gets a success or a well-formed error, never a 5xx', () => {
  let stack: SecurityStack;
  let target: FuzzTarget;

  before(async () => {
    ({ stack, target } = await startFuzzStack());
  });

  after(async () => {
    await stack?.close();
  });

  test('a body cut off in the middle of an album photo (or of an ignored part) is refused, crashes nothing, leaves no partial file', async () => {
    const jpeg = readFileSync(path.join(FACES_DEV, 'barack_obama', '1.jpg'));
    // Found by the fuzzer: busboy fails the cut part's stream, and an unhandled stream error ends the process.
    for (const field of ['files', 'not-a-photo-field']) {
      const head = Buffer.from(`--B\r\nContent-Disposition: form-data; name="${field}"; filename="cut.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
      const res = await fetch(`${target.url}/api/v1/albums/${target.albumId}/photos`, {
        method: 'POST',
        headers: { authorization: stack.a.authorization, 'content-type': 'multipart/form-data; boundary=B' },
        body: Buffer.concat([head, jpeg.subarray(0, 50_000)]),
      });
      assert.deepEqual([field, res.status, ((await res.json()) as { code: string }).code], [field, 400, 'InvalidParameterException']);
    }
    await assertStillServing(target);
    await assertNothingPartial();
  });

  test(`AWS JSON protocol, ${RUNS} signed requests`, async (t) => {
    const stats = await fuzzAwsJson(target, { runs: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) });
    t.diagnostic(JSON.stringify(stats));
    await assertStillServing(target);
  });

  test(`multipart (REST, album upload, studio and storefront search), ${RUNS} requests`, async (t) => {
    const stats = await fuzzMultipart(target, { runs: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) });
    t.diagnostic(JSON.stringify(stats));
    await assertStillServing(target);
    await assertNothingPartial();
  });

  /** Every photo file in the album's blob folder has its row, and no upload is left half-written. */
  async function assertNothingPartial(): Promise<void> {
    const blobs = path.join(stack.dataDir, 'blobs');
    const files = await readdir(path.join(blobs, 'albums', stack.a.tenantId, target.albumId)).catch(() => []);
    const listed = await fetch(`${target.url}/api/v1/albums/${target.albumId}/photos?limit=4096`, { headers: { authorization: stack.a.authorization } });
    const photos = ((await listed.json()) as { photos: { imageId: string }[] }).photos.map((p) => p.imageId);
    assert.deepEqual([...files].sort(), [...photos].sort());
    assert.deepEqual(await readdir(path.join(blobs, '.tmp')).catch(() => []), [], 'no temporary upload files left');
  }
});
