import type { ApiKeyRow, CollectionRow } from '../schema.js';
import type { ChangeFeed } from './change-feed.js';
import { LookupCache, type LookupCacheStats } from './lookup-cache.js';

/** The rows every request looks up, cached by the repositories that own them (see createRepositories). */
export interface LookupCaches {
  /** Active (not revoked) key rows by access key id. */
  apiKeys: LookupCache<ApiKeyRow>;
  /** Collection rows by `<tenant id>:<collection id>`. */
  collections: LookupCache<CollectionRow>;
  /** For /metrics: whether the change feed is live (the caches stand aside while it is not), and each cache's counts. */
  stats(): LookupCachesStats;
}

export interface LookupCachesStats {
  live: boolean;
  caches: Record<'api_keys' | 'collections', LookupCacheStats>;
}

/** As the trigger spells it: the tenant's uuid in Postgres's lower-case text form. */
export function collectionCacheKey(tenantId: string, collectionId: string): string {
  return `${tenantId.toLowerCase()}:${collectionId}`;
}

/** Caches that the feed keeps exact: each notification drops its entry, a lost feed drops all. */
export function createLookupCaches(feed: ChangeFeed, options: { ttlMs: number; maxEntries?: number }): LookupCaches {
  const settings = { ttlMs: options.ttlMs, maxEntries: options.maxEntries ?? 10_000, isLive: () => feed.live };
  const apiKeys = new LookupCache<ApiKeyRow>(settings);
  const collections = new LookupCache<CollectionRow>(settings);
  const caches: LookupCaches = {
    apiKeys,
    collections,
    stats: () => ({ live: feed.live, caches: { api_keys: apiKeys.stats(), collections: collections.stats() } }),
  };
  feed.add({
    changed: (key) => {
      const [table, ...rest] = key.split(':');
      if (table === 'api_keys') caches.apiKeys.invalidate(rest.join(':'));
      else if (table === 'collections') caches.collections.invalidate(rest.join(':'));
      else {
        caches.apiKeys.clear();
        caches.collections.clear();
      }
    },
    reset: () => {
      caches.apiKeys.clear();
      caches.collections.clear();
    },
  });
  return caches;
}
