/**
 * The database's change notifications (migration 0004) as a stream of keys: `api_keys:<access key
 * id>` and `collections:<tenant id>:<collection id>`.
 *
 * `live` is proven, not assumed: after LISTEN, and then every `heartbeatMs`, the feed sends itself a
 * probe notification through the ordinary connection pool and counts as live only once the probe
 * has come back. That catches what no socket error shows: a proxy in transaction-pooling mode that
 * accepts LISTEN but never delivers, or a half-dead connection. When the listening connection drops
 * or a probe does not come back, listeners get `reset()` (whatever they cached may be stale), `live`
 * is false, and the feed listens again with backoff; `reset()` comes once more when it is back.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DatabaseConnection, Subscription } from '../connect.js';

export const CHANGES_CHANNEL = 'facerec_changes';
const PROBE = 'probe:';

export interface ChangeListener {
  changed(key: string): void;
  reset(): void;
}

export interface ChangeFeedOptions {
  /** First wait before listening again after a drop; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often a probe checks that notifications still arrive (0: only at start). */
  heartbeatMs?: number;
  /** How long a probe may take to come back. */
  probeTimeoutMs?: number;
  onError?: (error: unknown) => void;
}

type Connection = Pick<DatabaseConnection, 'listen' | 'db'>;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  private subscription: Subscription | undefined;
  private verified = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pendingProbe: { nonce: string; arrived: () => void } | undefined;
  private closed = false;
  private failures = 0;

  private constructor(
    private readonly connection: Connection,
    private readonly options: ChangeFeedOptions,
  ) {}

  /**
   * Listens and probes before returning, so the first request can already cache. Listening itself
   * failing is the caller's error; a probe that does not come back leaves the feed not live (caches
   * stand aside) and retrying in the background.
   */
  static async open(connection: Connection, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
    const feed = new ChangeFeed(connection, options);
    feed.subscription = await feed.subscribe();
    if (await feed.probe()) feed.becameLive();
    else await feed.lost(new Error('change notifications do not arrive (LISTEN through a transaction-pooling proxy?)'));
    return feed;
  }

  get live(): boolean {
    return this.subscription !== undefined && this.verified;
  }

  add(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.heartbeatTimer);
    await this.drop();
  }

  private subscribe(): Promise<Subscription> {
    return this.connection.listen(CHANGES_CHANNEL, (key) => this.received(key), (error) => void this.lost(error));
  }

  private received(key: string): void {
    if (key.startsWith(PROBE)) {
      if (this.pendingProbe && key === PROBE + this.pendingProbe.nonce) this.pendingProbe.arrived();
      return;
    }
    this.listeners.forEach((l) => l.changed(key));
  }

  /** Sends a probe through the pool; true when it came back on the listening connection in time. */
  private async probe(): Promise<boolean> {
    const nonce = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.pendingProbe = { nonce, arrived: () => resolve(true) };
      timer = setTimeout(() => resolve(false), this.options.probeTimeoutMs ?? 5000);
    });
    try {
      await sql`select pg_notify(${CHANGES_CHANNEL}, ${PROBE + nonce})`.execute(this.connection.db);
      return await arrived;
    } catch (error) {
      this.options.onError?.(error);
      return false;
    } finally {
      clearTimeout(timer);
      this.pendingProbe = undefined;
    }
  }

  private becameLive(): void {
    this.failures = 0;
    this.verified = true;
    this.scheduleHeartbeat();
  }

  private scheduleHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 30_000;
    if (this.closed || every <= 0) return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), every);
    this.heartbeatTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    if (this.closed || !this.live) return;
    if (await this.probe()) this.scheduleHeartbeat();
    else await this.lost(new Error('a change-notification probe did not come back'));
  }

  private async lost(error: unknown): Promise<void> {
    await this.drop();
    this.listeners.forEach((l) => l.reset());
    this.options.onError?.(error);
    this.scheduleRetry();
  }

  private async drop(): Promise<void> {
    this.verified = false;
    clearTimeout(this.heartbeatTimer);
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    const base = this.options.retryMs ?? 1000;
    const delay = Math.min(this.options.maxRetryMs ?? 30_000, base * 2 ** Math.min(this.failures, 10));
    this.retryTimer = setTimeout(() => void this.retry(), delay);
    this.retryTimer.unref();
  }

  private async retry(): Promise<void> {
    try {
      const subscription = await this.subscribe();
      if (this.closed) return void (await subscription.close());
      this.subscription = subscription;
      if (!(await this.probe())) throw new Error('change notifications do not arrive');
      // Whatever changed while nobody listened is unknown: start from empty caches.
      this.listeners.forEach((l) => l.reset());
      this.becameLive();
    } catch (error) {
      await this.drop();
      this.failures++;
      this.options.onError?.(error);
      this.scheduleRetry();
    }
  }
}
