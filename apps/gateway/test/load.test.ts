/**
 * The short soak (the long one is `facerec bench soak --searchers 50 --minutes 5`): on a fresh
 * embedded stack with its in-process worker, 8 SDK searchers make a fixed number of
 * SearchFacesByImage calls each while the dev group photos are uploaded into an album again and
 * again, with an engine queue of 2 so that searches overflow it: throttled searches are retried after
 * their Retry-After (counted apart) and none fails, the album keeps being indexed while the searches
 * run, and the process RSS does not keep growing: a leak check with generous bounds, not a speed
 * check (no time limit anywhere).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runSoak } from '../../../packages/cli/src/commands/bench-soak.js';
import { FACES_DEV, requireDevPhotos } from './albums-client.js';

requireDevPhotos();
const SEARCHERS = 8;
const SEARCHES_EACH = 15;
const QUEUE_LIMIT = 2;
/** After the engine's first album photos (its arenas sized), RSS may move by GC and allocator noise only. */
const MAX_GROWTH_AFTER_WARM_UP_MB = 200;
const MAX_GROWTH_MB = 500;

test('searches during album ingestion, throttled ones retried after Retry-After: no errors, ingestion progresses, memory does not keep growing', async (t) => {
  const result = await runSoak({
    searchers: SEARCHERS,
    seconds: Infinity,
    searchesPerSearcher: SEARCHES_EACH,
    portraits: FACES_DEV,
    portraitLimit: 24,
    album: path.join(FACES_DEV, '_groups'),
    threads: 2,
    queueLimit: QUEUE_LIMIT,
    // A search may be throttled again after its wait; only an endless run of refusals is an error.
    maxRetries: 50,
  });
  const summary = JSON.stringify(result);
  t.diagnostic(summary);
  assert.equal(result.errors, 0, summary);
  assert.equal(result.searches, SEARCHERS * SEARCHES_EACH, summary);
  assert.ok(result.retries > 0, `8 searchers overflowed a queue of ${QUEUE_LIMIT} and were told to come back: ${summary}`);
  assert.ok(result.searchesWithAMatch > 0, summary);
  assert.ok(result.photosIndexedDuringRun > 0, `the album was indexed while the searches ran: ${summary}`);
  assert.equal(result.photosFailedDuringRun, 0, summary);
  assert.ok(result.rssEndMb - result.rssMidMb < MAX_GROWTH_AFTER_WARM_UP_MB, `RSS kept growing in the second half: ${summary}`);
  assert.ok(result.rssEndMb - result.rssStartMb < MAX_GROWTH_MB, `RSS grew too much: ${summary}`);
});
