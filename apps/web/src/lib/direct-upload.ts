/**
 * Direct uploads for the studio: ask the gateway where each file goes (presigned S3 URLs when the
 * store is S3, else the gateway's own PUT route), PUT the bytes there, then confirm them so they are
 * queued. Slots are asked for in batches as soon as files are chosen, confirmations are batched
 * too, so thousands of photos cost a few dozen small JSON requests beside the PUTs. A file's slot
 * is reused on retry (a PUT overwrites), and asked for again once it is about to expire.
 */
import type { UploadOutcome, Uploader } from './upload-queue.js';

export interface UploadDescription {
  name: string;
  size: number;
  contentType?: string;
}

export interface PreparedUpload {
  imageId: string;
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
}

export interface CompletedUploads {
  queued: number;
  accepted: { imageId: string }[];
  rejected: { imageId: string; name: string | null; code: string; message: string }[];
}

/** The two JSON calls of the flow, for one album. */
export interface DirectUploadApi {
  prepare(files: UploadDescription[]): Promise<PreparedUpload[]>;
  complete(uploads: { imageId: string; name: string }[]): Promise<CompletedUploads>;
}

/** What a PUT came to: stored, refused for good (not an image, too large), or an expired URL. */
export type PutOutcome = { kind: 'stored' } | { kind: 'rejected'; reason: string } | { kind: 'expired' };

/** PUTs one file to its slot; throws on a network error (the queue retries). */
export type PutFile<F> = (slot: PreparedUpload, file: F, onProgress: (loadedBytes: number) => void) => Promise<PutOutcome>;

/** A refusal that will not get better by retrying: the queue shows it as "Refused". */
export class RefusedUpload extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedUpload';
  }
}

export interface DirectUploadOptions<F> {
  api: DirectUploadApi;
  put: PutFile<F>;
  describe: (file: F) => UploadDescription;
  /** Files per `prepare` call (the API takes up to 1000). */
  prepareBatch?: number;
  /** Files per `complete` call, and how long the first one waits for company. */
  completeBatch?: number;
  completeDelayMs?: number;
  /** Slots older than this are asked for again (presigned URLs live an hour). */
  slotLifetimeMs?: number;
  now?: () => number;
  /** Schedules a delayed flush; injectable so tests need no clock. */
  schedule?: (run: () => void, ms: number) => void;
}

interface Slot {
  upload: PreparedUpload;
  at: number;
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class DirectUploads<F> {
  private readonly slots = new Map<F, Promise<Slot>>();
  private readonly stored = new Set<F>();
  private completing: { imageId: string; name: string; pending: Pending<UploadOutcome> }[] = [];
  private flushScheduled = false;
  private readonly now: () => number;
  private readonly schedule: (run: () => void, ms: number) => void;

  constructor(private readonly options: DirectUploadOptions<F>) {
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? ((run, ms) => void setTimeout(run, ms));
  }

  /** Starts asking for slots for these files, in batches, before their turn comes. */
  reserve(files: readonly F[]): void {
    const size = Math.max(1, this.options.prepareBatch ?? 100);
    for (let i = 0; i < files.length; i += size) this.prepareBatch(files.slice(i, i + size).filter((f) => !this.slots.has(f)));
  }

  /** The uploader for an UploadQueue. */
  readonly upload: Uploader<F> = async (file, onProgress) => {
    try {
      if (!this.stored.has(file)) {
        const outcome = await this.putWithFreshSlot(file, onProgress);
        if (outcome.kind === 'rejected') return outcome;
        this.stored.add(file);
      }
      const slot = await this.slotFor(file);
      const result = await this.confirm(slot.upload.imageId, this.options.describe(file).name);
      if (result.kind === 'done') this.forget(file);
      return result;
    } catch (error) {
      if (error instanceof RefusedUpload) {
        this.forget(file);
        return { kind: 'rejected', reason: error.message };
      }
      throw error;
    }
  };

  private async putWithFreshSlot(file: F, onProgress: (loaded: number) => void): Promise<PutOutcome> {
    let slot = await this.slotFor(file);
    let outcome = await this.options.put(slot.upload, file, onProgress);
    if (outcome.kind === 'expired') {
      this.slots.delete(file);
      slot = await this.slotFor(file);
      outcome = await this.options.put(slot.upload, file, onProgress);
      if (outcome.kind === 'expired') throw new Error('The upload link was refused twice');
    }
    return outcome;
  }

  private forget(file: F): void {
    this.slots.delete(file);
    this.stored.delete(file);
  }

  private slotFor(file: F): Promise<Slot> {
    const lifetime = this.options.slotLifetimeMs ?? 45 * 60_000;
    const existing = this.slots.get(file);
    if (existing) {
      return existing.then(
        (slot) => (this.now() - slot.at < lifetime ? slot : this.renew(file)),
        () => this.renew(file),
      );
    }
    this.prepareBatch([file]);
    return this.slots.get(file)!;
  }

  private renew(file: F): Promise<Slot> {
    this.slots.delete(file);
    this.stored.delete(file);
    this.prepareBatch([file]);
    return this.slots.get(file)!;
  }

  /** One prepare call for the batch; if it fails for a batch of several, each file is asked for alone. */
  private prepareBatch(files: F[]): void {
    if (files.length === 0) return;
    const call = this.options.api.prepare(files.map(this.options.describe));
    files.forEach((file, i) => {
      const slot = call.then(
        (uploads) => {
          const upload = uploads[i];
          if (!upload) throw new Error('The server handed out fewer upload slots than asked for');
          return { upload, at: this.now() };
        },
        (error: unknown) => {
          if (files.length === 1) throw error;
          this.slots.delete(file);
          return this.slotFor(file);
        },
      );
      slot.catch(() => undefined);
      this.slots.set(file, slot);
    });
  }

  private confirm(imageId: string, name: string): Promise<UploadOutcome> {
    return new Promise<UploadOutcome>((resolve, reject) => {
      this.completing.push({ imageId, name, pending: { resolve, reject } });
      const size = Math.max(1, this.options.completeBatch ?? 25);
      if (this.completing.length >= size) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.schedule(() => this.flush(), this.options.completeDelayMs ?? 200);
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.completing;
    this.completing = [];
    if (batch.length === 0) return;
    this.options.api.complete(batch.map(({ imageId, name }) => ({ imageId, name }))).then(
      (result) => {
        const refused = new Map(result.rejected.map((r) => [r.imageId, r.message]));
        const accepted = new Set(result.accepted.map((a) => a.imageId));
        for (const { imageId, pending } of batch) {
          const reason = refused.get(imageId);
          if (reason !== undefined) pending.reject(new RefusedUpload(reason));
          else if (accepted.has(imageId)) pending.resolve({ kind: 'done' });
          else pending.reject(new Error('The server did not confirm this photo'));
        }
      },
      (error: unknown) => {
        for (const { pending } of batch) pending.reject(error);
      },
    );
  }
}
