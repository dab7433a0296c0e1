import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LookupCache } from './lookup-cache.js';

function counting(value: string | undefined): { load: () => Promise<string | undefined>; calls: () => number } {
  let calls = 0;
  return { load: async () => (calls++, value), calls: () => calls };
}

test('a hit does not load again; a miss (undefined) is not stored', async () => {
  const cache = new LookupCache<string>({ ttlMs: 60_000, maxEntries: 10, isLive: () => true });
  const row = counting('row');
  assert.equal(await cache.get('k', row.load), 'row');
  assert.equal(await cache.get('k', row.load), 'row');
  assert.equal(row.calls(), 1);
  const none = counting(undefined);
  await cache.get('missing', none.load);
  await cache.get('missing', none.load);
  assert.equal(none.calls(), 2);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 3, bypassed: 0, entries: 1 });
});

test('invalidate and clear drop entries', async () => {
  const cache = new LookupCache<string>({ ttlMs: 60_000, maxEntries: 10, isLive: () => true });
  const a = counting('a');
  await cache.get('a', a.load);
  await cache.get('b', async () => 'b');
  cache.invalidate('a');
  await cache.get('a', a.load);
  assert.equal(a.calls(), 2);
  cache.clear();
  assert.equal(cache.size, 0);
});

test('a load that raced an invalidation is returned but not stored', async () => {
  const cache = new LookupCache<string>({ ttlMs: 60_000, maxEntries: 10, isLive: () => true });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const pending = cache.get('k', async () => {
    await gate;
    return 'old row';
  });
  cache.invalidate('k'); // the row changed while the old one was being read
  release();
  assert.equal(await pending, 'old row');
  assert.equal(cache.size, 0);
  const fresh = counting('new row');
  assert.equal(await cache.get('k', fresh.load), 'new row');
  assert.equal(fresh.calls(), 1);
});

test('while the feed is down the cache neither answers nor stores', async () => {
  let live = true;
  const cache = new LookupCache<string>({ ttlMs: 60_000, maxEntries: 10, isLive: () => live });
  await cache.get('k', async () => 'cached');
  live = false;
  const direct = counting('from the database');
  assert.equal(await cache.get('k', direct.load), 'from the database');
  assert.equal(await cache.get('other', direct.load), 'from the database');
  assert.equal(direct.calls(), 2);
  assert.equal(cache.stats().bypassed, 2);
  live = true;
  assert.equal(cache.size, 1); // the feed's reset() is what empties it (ChangeFeed)
});

test('entries expire after ttlMs and the oldest go past maxEntries', async () => {
  let now = 0;
  const cache = new LookupCache<string>({ ttlMs: 1000, maxEntries: 2, isLive: () => true, now: () => now });
  const a = counting('a');
  await cache.get('a', a.load);
  now = 999;
  await cache.get('a', a.load);
  assert.equal(a.calls(), 1);
  now = 1000;
  await cache.get('a', a.load);
  assert.equal(a.calls(), 2);
  await cache.get('b', async () => 'b');
  await cache.get('c', async () => 'c');
  assert.equal(cache.size, 2);
  await cache.get('a', a.load);
  assert.equal(a.calls(), 3, 'a, the oldest, was dropped for c');
});
