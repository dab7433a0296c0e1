/**
 * Prometheus metrics on a registry of the app's own (several apps can live in one test process):
 * request latency per API, operation and status; the engine pool's queue depth, held-back album
 * work and busy threads;
 * node's process metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LookupCacheStats, LookupCachesStats } from '@facerec/db';
import type { QueueStats } from '@facerec/storage';

export interface EngineStats {
  readonly queueDepth: number;
  readonly busyThreads: number;
  /** Background (album) work held back until the queue has room; never counted in queueDepth. */
  readonly waitingForRoom?: number;
}

/** The key and collection lookup caches (apps/gateway/src/composition.ts openLookupCaches). */
export type CacheStats = LookupCachesStats;

/** The counter's `result` label for each count of a cache. */
const CACHE_RESULTS: Record<'hit' | 'miss' | 'bypassed', keyof LookupCacheStats> = { hit: 'hits', miss: 'misses', bypassed: 'bypassed' };

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'api' | 'operation' | 'status'>;

  constructor(engine?: () => EngineStats | undefined, queue?: () => Promise<QueueStats>, caches?: () => CacheStats | undefined) {
    collectDefaultMetrics({ register: this.registry, prefix: 'facerec_' });
    this.requestDuration = new Histogram({
      name: 'facerec_http_request_duration_seconds',
      help: 'HTTP request latency by API (aws, rest, ops), operation and status code',
      labelNames: ['api', 'operation', 'status'] as const,
      // Engine calls run 5 ms (selfie) to seconds (a 24 MP group photo).
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    new Gauge({
      name: 'facerec_engine_queue_depth',
      help: 'Images waiting for an engine worker thread',
      registers: [this.registry],
      collect() {
        this.set(engine?.()?.queueDepth ?? 0);
      },
    });
    new Gauge({
      name: 'facerec_engine_waiting_for_room',
      help: 'Album images held back while the engine queue is full (they wait instead of being refused)',
      registers: [this.registry],
      collect() {
        this.set(engine?.()?.waitingForRoom ?? 0);
      },
    });
    new Gauge({
      name: 'facerec_engine_busy_threads',
      help: 'Engine worker threads currently analysing an image',
      registers: [this.registry],
      collect() {
        this.set(engine?.()?.busyThreads ?? 0);
      },
    });
    if (queue) registerQueueGauges(this.registry, queue);
    if (caches) registerCacheMetrics(this.registry, caches);
  }

  observe(api: string, operation: string, status: number, seconds: number): void {
    this.requestDuration.observe({ api, operation, status: String(status) }, seconds);
  }
}

/**
 * The ingestion queue as gauges (the workers' autoscaling signal: depth and oldest message age).
 * One stats call per scrape feeds all four; a failing call leaves them at their last values.
 */
export function registerQueueGauges(registry: Registry, stats: () => Promise<QueueStats>): void {
  let pending: Promise<QueueStats | undefined> | undefined;
  const once = (): Promise<QueueStats | undefined> => {
    pending ??= stats()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  const gauge = (name: string, help: string, pick: (s: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const s = await once();
        if (s) this.set(pick(s));
      },
    });
  gauge('facerec_queue_visible_messages', 'Album photos waiting in the ingestion queue', (s) => s.visible);
  gauge('facerec_queue_in_flight_messages', 'Album photos received by a worker and not yet done', (s) => s.inFlight);
  gauge('facerec_queue_oldest_message_age_seconds', 'Age of the oldest waiting album photo', (s) => s.oldestAgeSeconds);
  gauge('facerec_queue_dead_letters', 'Album photos in the dead-letter queue', (s) => s.deadLetters);
}

/**
 * The lookup caches: whether their change feed is live (0 means every request reads Postgres, e.g.
 * notifications cannot get through a pooling proxy), and lookups by result, cumulative.
 */
function registerCacheMetrics(registry: Registry, stats: () => CacheStats | undefined): void {
  new Gauge({
    name: 'facerec_lookup_cache_live',
    help: '1 while the key and collection caches receive change notifications, 0 while they stand aside',
    registers: [registry],
    collect() {
      this.set(stats()?.live ? 1 : 0);
    },
  });
  const reported = new Map<string, number>();
  new Counter({
    name: 'facerec_lookup_cache_lookups_total',
    help: 'API key and collection lookups by cache and result (hit, miss, bypassed while the feed was down)',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      if (!s) return;
      for (const [cache, counts] of Object.entries(s.caches)) {
        for (const [result, field] of Object.entries(CACHE_RESULTS)) {
          const total = counts[field];
          const key = `${cache}/${result}`;
          this.inc({ cache, result }, total - (reported.get(key) ?? 0));
          reported.set(key, total);
        }
      }
    },
  });
}
