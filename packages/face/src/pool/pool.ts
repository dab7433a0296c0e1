import { Worker, type Transferable } from 'node:worker_threads';
import { errorOfKind, FacerecError, ThrottledError, type ErrorKind } from '@facerec/core';

/** What a pool worker posts back for each task. */
export type WorkerReply<R> = { id: number; ok: true; result: R } | { id: number; ok: false; error: { kind?: ErrorKind; name: string; message: string } };

export interface WorkerTask<Q> {
  id: number;
  request: Q;
}

export interface PoolOptions {
  /** Absolute URL of the worker module. */
  script: URL;
  size: number;
  /**
   * Tasks one worker holds at once (default 1). With 2, a worker starts its next image while the
   * current one waits (a libvips decode on the thread pool, a reply not yet posted), so it never
   * idles between tasks waiting for the main thread to hand it one.
   */
  perWorker?: number;
  /** Tasks waiting for a free thread beyond this are refused with ThrottledError. */
  maxQueue: number;
  /** Passed to each worker as `workerData`. */
  workerData?: unknown;
}

interface Pending<R> {
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  started: boolean;
  /** Ids of the tasks it holds. */
  running: Set<number>;
}

interface Queued<Q> {
  id: number;
  request: Q;
  transfer: Transferable[];
}

/**
 * What `run` does when every thread is busy and the queue is full: `reject` (interactive callers:
 * ThrottledError, the client backs off) or `wait` for room (background work such as album
 * ingestion, whose caller bounds its own concurrency and must not burn a retry on a busy engine).
 */
export type WhenFull = 'reject' | 'wait';

/**
 * A fixed set of worker threads with a bounded FIFO queue. Each worker holds up to `perWorker`
 * tasks; a worker that dies fails its tasks and is replaced, so one bad image cannot take the pool down.
 */
export class WorkerPool<Q, R> {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued<Q>[] = [];
  /** `wait` callers held outside the queue until it has room; they enter before new arrivals. */
  private readonly waiting: Queued<Q>[] = [];
  private readonly pending = new Map<number, Pending<R>>();
  private nextId = 1;
  private closed = false;
  private readonly perWorker: number;

  constructor(private readonly options: PoolOptions) {
    if (options.size < 1) throw new Error('pool size must be at least 1');
    this.perWorker = Math.max(1, Math.floor(options.perWorker ?? 1));
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  /** Resolves when every worker has started (and loaded what it loads at start). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  /** `wait` callers held back because the queue was full. */
  get waitingForRoom(): number {
    return this.waiting.length;
  }

  get busyWorkers(): number {
    return this.slots.filter((s) => s.running.size > 0).length;
  }

  get size(): number {
    return this.slots.length;
  }

  run(request: Q, transfer: Transferable[] = [], whenFull: WhenFull = 'reject'): Promise<R> {
    if (this.closed) return Promise.reject(new FacerecError('ServiceUnavailable', 'worker pool is shut down'));
    const full = this.isFull();
    if (full && whenFull === 'reject') {
      return Promise.reject(new ThrottledError(`face engine is busy: ${this.queue.length} images already queued`));
    }
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (full ? this.waiting : this.queue).push({ id, request, transfer });
      this.dispatch();
    });
  }

  /** Every thread holding all it can and `maxQueue` images waiting: a new image would queue beyond the bound. */
  private isFull(): boolean {
    return this.queue.length >= this.options.maxQueue && this.slots.every((s) => !this.hasRoom(s));
  }

  private hasRoom(slot: Slot): boolean {
    return slot.started && slot.running.size < this.perWorker;
  }

  /** Finishes queued and running tasks, then stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pending.size > 0) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.script, { workerData: this.options.workerData });
    const slot: Slot = { worker, running: new Set(), started: false, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: WorkerReply<R> | 'ready') => {
        if (m !== 'ready') return this.settle(slot, m);
        slot.started = true;
        resolve();
        this.dispatch();
      });
      worker.once('error', reject);
    });
    slot.ready.catch(() => undefined);
    worker.on('error', (e) => this.fail(slot, e));
    worker.on('exit', (code) => {
      if (this.closed) return;
      this.fail(slot, new FacerecError('Internal', `face worker exited with code ${code}`));
    });
    return slot;
  }

  private settle(slot: Slot, reply: WorkerReply<R>): void {
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    slot.running.delete(reply.id);
    if (p) {
      if (reply.ok) p.resolve(reply.result);
      else p.reject(reviveError(reply.error));
    }
    this.dispatch();
  }

  /** A worker crashed: fail its tasks, replace it, keep serving. */
  private fail(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    for (const id of slot.running) {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.reject(error instanceof FacerecError ? error : new FacerecError('Internal', `face worker failed: ${error.message}`));
    }
    slot.running.clear();
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    if (!this.closed) this.slots[index] = this.spawn();
  }

  private dispatch(): void {
    this.assignThreads();
    if (this.waiting.length === 0) return;
    // Room has opened: held `wait` callers go first, then threads that are still idle take them.
    const idle = this.slots.reduce((n, s) => n + (s.started ? this.perWorker - s.running.size : 0), 0);
    while (this.waiting.length > 0 && this.queue.length < this.options.maxQueue + idle) this.queue.push(this.waiting.shift()!);
    this.assignThreads();
  }

  /** Hands queued tasks out, least-loaded worker first, until the queue is empty or every worker is full. */
  private assignThreads(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.filter((s) => this.hasRoom(s)).reduce<Slot | undefined>((a, s) => (!a || s.running.size < a.running.size ? s : a), undefined);
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.running.add(task.id);
      const message: WorkerTask<Q> = { id: task.id, request: task.request };
      slot.worker.postMessage(message, task.transfer);
    }
  }
}

/** Turns a worker's serialised error back into the typed error it was. */
function reviveError(e: { kind?: ErrorKind; name: string; message: string }): Error {
  if (e.kind) return errorOfKind(e.kind, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** Serialises an error for postMessage, keeping the domain kind. */
export function serializeError(e: unknown): { kind?: ErrorKind; name: string; message: string } {
  if (e instanceof FacerecError) return { kind: e.kind, name: e.name, message: e.message };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}
