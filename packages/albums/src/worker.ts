import type { Queue, ReceivedMessage } from '@facerec/storage';
import { ingestImage, type IngestDeps, type IngestOutcome } from './ingest.js';

export interface WorkerOptions {
  /** Photos processed at once (the engine's thread count). */
  concurrency: number;
  /** Messages fetched beyond the ones being processed, so threads never wait for the queue. */
  prefetch?: number;
  visibilityTimeoutSeconds?: number;
  waitSeconds?: number;
  /** After this many receives a failing photo is marked failed (the queue then dead-letters it). */
  maxReceives: number;
  onOutcome?: (message: ReceivedMessage, outcome: IngestOutcome | { kind: 'error'; error: unknown }) => void;
  /**
   * After a failed receive or a failed photo the worker waits before it receives again, doubling
   * the wait (with jitter) on each further failure up to `maxMs`; a success resets it. A store that
   * is down then costs a few calls a minute, not a tight loop of failures (default 500 ms → 30 s).
   */
  backoff?: { baseMs?: number; maxMs?: number };
}

/** Pause between receives that found nothing, when the queue does not long-poll. */
const EMPTY_POLL_PAUSE_MS = 250;

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Records a failure; returns how long to wait before the next try. */
  fail(): number {
    const step = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return step / 2 + (this.random() * step) / 2;
  }

  succeed(): void {
    this.failures = 0;
  }
}

/**
 * Consumes the image queue: keeps `concurrency` photos in work, heartbeats their visibility,
 * deletes a message only once its photo is indexed or recorded as failed. `stop()` stops
 * receiving and gives back what it holds unstarted, and waits for photos in work to finish.
 */
export class IngestWorker {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly buffered: ReceivedMessage[] = [];
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly backoff: Backoff;
  /** No receive and no new photo before this time (ms since epoch): a dependency is failing. */
  private pausedUntil = 0;

  constructor(
    private readonly deps: IngestDeps & { queue: Queue },
    private readonly options: WorkerOptions,
  ) {
    this.backoff = new Backoff(options.backoff?.baseMs, options.backoff?.maxMs);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private get visibility(): number {
    return this.options.visibilityTimeoutSeconds ?? 60;
  }

  private async run(): Promise<void> {
    const capacity = this.options.concurrency + (this.options.prefetch ?? this.options.concurrency);
    while (this.running) {
      const pause = this.pausedUntil - Date.now();
      if (pause > 0) {
        await sleep(pause, this.abort.signal);
        continue;
      }
      // Start buffered work before polling: a long poll on an empty queue must not keep a
      // prefetched photo waiting.
      this.dispatch();
      const room = capacity - this.inFlight.size - this.buffered.length;
      if (room > 0) {
        try {
          const got = await this.deps.queue.receive({ max: Math.min(10, room), waitSeconds: this.options.waitSeconds ?? 5, visibilityTimeoutSeconds: this.visibility, signal: this.abort.signal });
          this.buffered.push(...got);
          // Without a long poll (waitSeconds 0) an empty queue would be asked again at once, in a
          // loop that starves everything else in the process (PGlite runs on this thread).
          if (got.length === 0 && (this.options.waitSeconds ?? 5) === 0 && this.inFlight.size === 0) await sleep(EMPTY_POLL_PAUSE_MS, this.abort.signal);
        } catch (error) {
          if (!this.running) break;
          this.options.onOutcome?.({ body: { albumId: '', imageId: '', blobKey: '', tenantId: '' }, receipt: '', receiveCount: 0 }, { kind: 'error', error });
          this.pauseAfterFailure();
          continue;
        }
      }
      this.dispatch();
      if (this.inFlight.size >= this.options.concurrency || room <= 0) await Promise.race([...this.inFlight, sleep(200)]);
    }
  }

  private pauseAfterFailure(): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + this.backoff.fail());
  }

  private dispatch(): void {
    while (this.running && Date.now() >= this.pausedUntil && this.buffered.length > 0 && this.inFlight.size < this.options.concurrency) {
      const message = this.buffered.shift()!;
      const task = this.process(message).finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  private async process(message: ReceivedMessage): Promise<void> {
    const heartbeat = setInterval(() => {
      this.deps.queue.extend(message.receipt, this.visibility).catch(() => undefined);
    }, (this.visibility * 1000) / 3);
    try {
      const outcome = await ingestImage(this.deps, message.body);
      await this.deps.queue.delete([message.receipt]);
      this.backoff.succeed();
      this.options.onOutcome?.(message, outcome);
    } catch (error) {
      // Most failures here are a store that is down: hold back the next photos instead of failing
      // them all at once (each failure costs the photo one of its receives).
      this.pauseAfterFailure();
      const reason = error instanceof Error ? error.message : String(error);
      await this.deps.queue.fail(message.receipt, reason).catch(() => undefined);
      // The last try: record the photo as failed with the reason, so the dashboard shows why; the
      // message itself is left to the queue, which moves it to the dead-letter queue.
      if (message.receiveCount >= this.options.maxReceives) {
        await this.deps.repos.images.markFailed(message.body.tenantId, message.body.imageId, `failed after ${message.receiveCount} attempts: ${reason}`).catch(() => undefined);
      }
      this.options.onOutcome?.(message, { kind: 'error', error });
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Graceful stop: no new work; unstarted messages go back to the queue now; work in hand finishes. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    await this.loop?.catch(() => undefined);
    const unstarted = this.buffered.splice(0);
    await Promise.all(unstarted.map((m) => this.deps.queue.release(m.receipt, 'worker shutting down').catch(() => undefined)));
    await Promise.all([...this.inFlight]);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
