/**
 * A small read-through cache for lookups every request makes (an API key, a collection), kept
 * exact by invalidation rather than by a short lifetime: the database notifies every change
 * (migration 0004), `ChangeFeed` delivers it, and the entry goes. Two rules keep it from ever
 * serving a row that was changed before the cache learnt of it:
 * - a value is stored only if no invalidation happened while it was being loaded (a load that
 *   raced a change may have read the old row);
 * - while the feed is down (`isLive` false) nothing is read from or stored in the cache.
 * The lifetime (`ttlMs`) only bounds how long an entry lives if a notification were ever missed.
 */
export interface LookupCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** Whether invalidations are arriving; the cache stands aside while they are not. */
  isLive: () => boolean;
  now?: () => number;
}

/** Cumulative counts since start: `bypassed` lookups went to the database while the feed was down. */
export interface LookupCacheStats {
  hits: number;
  misses: number;
  bypassed: number;
  entries: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class LookupCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Bumped by every invalidation: a load that saw it change stores nothing. */
  private generation = 0;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;
  private bypassed = 0;

  constructor(private readonly options: LookupCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): LookupCacheStats {
    return { hits: this.hits, misses: this.misses, bypassed: this.bypassed, entries: this.entries.size };
  }

  /** The cached value, or `load()`'s (stored when it is defined and nothing changed meanwhile). */
  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.options.isLive()) {
      this.bypassed++;
      return load();
    }
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) {
      this.hits++;
      return hit.value;
    }
    if (hit) this.entries.delete(key);
    this.misses++;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation && this.options.isLive()) this.store(key, value);
    return value;
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  private store(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.options.ttlMs });
    // Oldest first in a Map: drop from the front past the bound.
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
