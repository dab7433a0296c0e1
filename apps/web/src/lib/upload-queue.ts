/**
 * The studio's upload queue: a fixed number of files in flight, per-file and overall byte progress,
 * automatic retries of network failures with back-off, then a manual retry per file. Each file is
 * its own request, so a failure costs that file only (resumable at the file level).
 */

export type UploadState = 'waiting' | 'uploading' | 'done' | 'failed' | 'rejected';

/** What one attempt at uploading a file came to. `rejected` is final (e.g. not an image). */
export type UploadOutcome = { kind: 'done' } | { kind: 'rejected'; reason: string };

/** Thrown (or any other error) by an uploader means a retryable failure such as a network error. */
export type Uploader<F> = (file: F, onProgress: (loadedBytes: number) => void) => Promise<UploadOutcome>;

export interface UploadItem<F> {
  readonly id: number;
  readonly file: F;
  readonly name: string;
  readonly size: number;
  state: UploadState;
  loaded: number;
  attempts: number;
  error: string | undefined;
}

export interface UploadSummary {
  files: number;
  waiting: number;
  uploading: number;
  done: number;
  failed: number;
  rejected: number;
  totalBytes: number;
  loadedBytes: number;
  /** 0..1 over bytes of the files still counted (rejected files drop out). */
  fraction: number;
}

export interface UploadQueueOptions<F> {
  upload: Uploader<F>;
  describe: (file: F) => { name: string; size: number };
  concurrency?: number;
  /** Automatic attempts after the first failure before the file waits for a manual retry. */
  autoRetries?: number;
  /** Waits before automatic retry n (1-based); injectable so tests need no clock. */
  backoff?: (retry: number) => Promise<void>;
  onChange?: (item: UploadItem<F> | undefined) => void;
}

const defaultBackoff = (retry: number) => new Promise<void>((resolve) => setTimeout(resolve, 500 * 2 ** (retry - 1)));

export class UploadQueue<F> {
  private readonly items: UploadItem<F>[] = [];
  private nextId = 1;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly autoRetries: number;
  private readonly backoff: (retry: number) => Promise<void>;

  constructor(private readonly options: UploadQueueOptions<F>) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.autoRetries = Math.max(0, options.autoRetries ?? 2);
    this.backoff = options.backoff ?? defaultBackoff;
  }

  add(files: Iterable<F>): UploadItem<F>[] {
    const added: UploadItem<F>[] = [];
    for (const file of files) {
      const { name, size } = this.options.describe(file);
      const item: UploadItem<F> = { id: this.nextId++, file, name, size, state: 'waiting', loaded: 0, attempts: 0, error: undefined };
      this.items.push(item);
      added.push(item);
    }
    this.options.onChange?.(undefined);
    this.pump();
    return added;
  }

  /** Puts a failed file back in line; returns false if it is not failed. */
  retry(id: number): boolean {
    const item = this.items.find((i) => i.id === id);
    if (!item || item.state !== 'failed') return false;
    this.requeue(item);
    this.pump();
    return true;
  }

  retryAllFailed(): number {
    const failed = this.items.filter((i) => i.state === 'failed');
    for (const item of failed) this.requeue(item);
    this.pump();
    return failed.length;
  }

  list(): readonly UploadItem<F>[] {
    return this.items;
  }

  summary(): UploadSummary {
    const s: UploadSummary = { files: this.items.length, waiting: 0, uploading: 0, done: 0, failed: 0, rejected: 0, totalBytes: 0, loadedBytes: 0, fraction: 0 };
    for (const item of this.items) {
      s[item.state]++;
      if (item.state === 'rejected') continue;
      s.totalBytes += item.size;
      s.loadedBytes += item.state === 'done' ? item.size : Math.min(item.loaded, item.size);
    }
    s.fraction = s.totalBytes === 0 ? (s.files > 0 ? 1 : 0) : s.loadedBytes / s.totalBytes;
    return s;
  }

  /** Resolves when nothing is waiting or uploading (failed files may remain). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.active === 0 && !this.items.some((i) => i.state === 'waiting');
  }

  private requeue(item: UploadItem<F>): void {
    item.state = 'waiting';
    item.loaded = 0;
    item.error = undefined;
    this.options.onChange?.(item);
  }

  private pump(): void {
    while (this.active < this.concurrency) {
      const next = this.items.find((i) => i.state === 'waiting');
      if (!next) break;
      this.active++;
      void this.run(next).finally(() => {
        this.active--;
        this.pump();
        this.settleIdle();
      });
    }
    this.settleIdle();
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async run(item: UploadItem<F>): Promise<void> {
    item.state = 'uploading';
    for (let failures = 0; ; failures++) {
      if (failures > 0) await this.backoff(failures);
      item.attempts++;
      item.loaded = 0;
      this.options.onChange?.(item);
      try {
        const outcome = await this.options.upload(item.file, (loaded) => {
          item.loaded = loaded;
          this.options.onChange?.(item);
        });
        this.finish(item, outcome);
        return;
      } catch (error) {
        item.error = error instanceof Error ? error.message : String(error);
        if (failures >= this.autoRetries) {
          item.state = 'failed';
          this.options.onChange?.(item);
          return;
        }
      }
    }
  }

  private finish(item: UploadItem<F>, outcome: UploadOutcome): void {
    if (outcome.kind === 'done') {
      item.state = 'done';
      item.loaded = item.size;
      item.error = undefined;
    } else {
      item.state = 'rejected';
      item.error = outcome.reason;
    }
    this.options.onChange?.(item);
  }
}
