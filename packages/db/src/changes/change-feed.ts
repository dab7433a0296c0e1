/**
 * The database's change notifications (migration 0004) as a stream of keys: `api_keys:<access key
 * id>` and `collections:<tenant id>:<collection id>`. On Postgres the listening connection can
 * drop: listeners then get `reset()` (everything they cached may be stale), `live` is false until
 * the feed listens again (with backoff), and `reset()` comes once more when it does.
 */
import type { DatabaseConnection, Subscription } from '../connect.js';

export const CHANGES_CHANNEL = 'facerec_changes';

export interface ChangeListener {
  changed(key: string): void;
  reset(): void;
}

export interface ChangeFeedOptions {
  /** First wait before listening again after a drop; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  onError?: (error: unknown) => void;
}

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  private subscription: Subscription | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private failures = 0;

  private constructor(
    private readonly connection: Pick<DatabaseConnection, 'listen'>,
    private readonly options: ChangeFeedOptions,
  ) {}

  /** Listens before returning, so the first request already caches; a failure here is the caller's. */
  static async open(connection: Pick<DatabaseConnection, 'listen'>, options: ChangeFeedOptions = {}): Promise<ChangeFeed> {
    const feed = new ChangeFeed(connection, options);
    feed.subscription = await feed.subscribe();
    return feed;
  }

  get live(): boolean {
    return this.subscription !== undefined;
  }

  add(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  private subscribe(): Promise<Subscription> {
    return this.connection.listen(CHANGES_CHANNEL, (key) => this.listeners.forEach((l) => l.changed(key)), (error) => this.lost(error));
  }

  private lost(error: unknown): void {
    this.subscription = undefined;
    this.resetAll();
    this.options.onError?.(error);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const base = this.options.retryMs ?? 1000;
    const delay = Math.min(this.options.maxRetryMs ?? 30_000, base * 2 ** Math.min(this.failures, 10));
    this.retryTimer = setTimeout(() => void this.retry(), delay);
    this.retryTimer.unref();
  }

  private async retry(): Promise<void> {
    try {
      const subscription = await this.subscribe();
      if (this.closed) return void (await subscription.close());
      this.failures = 0;
      this.subscription = subscription;
      // Whatever changed while nobody listened is unknown: start from empty caches.
      this.resetAll();
    } catch (error) {
      this.failures++;
      this.options.onError?.(error);
      this.scheduleRetry();
    }
  }

  private resetAll(): void {
    this.listeners.forEach((l) => l.reset());
  }
}
