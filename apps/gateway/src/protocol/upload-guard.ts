/**
 * A streamed multi-file upload rejects an oversize part on its own and goes on with the next one;
 * the multipart parser skips the rest of that part by reading it. That is fine for a photo a few
 * megabytes over the limit, not for a 1 GB part: past a skip budget the guard trips, so the route
 * can answer 413 at once (closing the connection) instead of reading the part to its end.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { ImageTooLargeError } from '@facerec/core';
import { toWireError } from '../errors.js';

export interface GuardedOutcome<T> {
  accepted: T[];
  rejected: { name: string; code: string; message: string }[];
}

export class OversizePartGuard<T> {
  private received = 0;
  private skippingSince: number | undefined;
  private parts = 0;
  private readonly started: { name: string; result: Promise<T> }[] = [];
  private trip!: (name: string) => void;
  private trippedOn = '';
  /** Resolves with the oversize part's name when it has been skipped past the budget. */
  readonly tripped: Promise<string>;

  constructor(
    private readonly req: IncomingMessage,
    /** Largest part: one byte more fails the part's stream at once. */
    private readonly partLimitBytes: number,
    private readonly skipBudgetBytes: number,
  ) {
    this.tripped = new Promise((resolve) => (this.trip = resolve));
    req.on('data', this.count);
  }

  /**
   * Wraps the per-part upload: each call is a new part, its stream capped at the part limit (the
   * upload fails as soon as it is passed, not when the part ends); an ImageTooLarge rejection
   * starts the skip count.
   */
  track<F extends { name: string | null; stream: Readable }>(upload: (file: F) => Promise<T>): (file: F) => Promise<T> {
    return (file) => {
      const part = ++this.parts;
      this.skippingSince = undefined;
      const result = upload({ ...file, stream: capped(file.stream, this.partLimitBytes) });
      this.started.push({ name: file.name ?? '', result });
      result.catch((error: unknown) => {
        if (part === this.parts && toWireError(error).name === 'ImageTooLargeException') {
          this.skippingSince = this.received;
          this.trippedOn = file.name ?? '';
        }
      });
      return result;
    };
  }

  /** Stops counting (the request is done, or is being cut off). */
  stop(): void {
    this.req.off('data', this.count);
  }

  /** The parts started so far, once each has settled: what a cut-off answer reports. */
  async outcome(): Promise<GuardedOutcome<T>> {
    const out: GuardedOutcome<T> = { accepted: [], rejected: [] };
    for (const { name, result } of this.started) {
      try {
        out.accepted.push(await result);
      } catch (error) {
        const wire = toWireError(error);
        out.rejected.push({ name, code: wire.name, message: wire.message });
      }
    }
    return out;
  }

  private readonly count = (chunk: Buffer): void => {
    this.received += chunk.length;
    if (this.skippingSince !== undefined && this.received - this.skippingSince > this.skipBudgetBytes) {
      this.stop();
      this.trip(this.trippedOn);
    }
  };
}

/** Passes `source` through, failing with ImageTooLarge once more than `limitBytes` have passed. */
function capped(source: Readable, limitBytes: number): Readable {
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limitBytes) callback(new ImageTooLargeError(`The photo is larger than the ${limitBytes}-byte limit`));
      else callback(null, chunk);
    },
  });
  source.on('error', (error) => cap.destroy(error));
  // The consumer may attach its handlers a tick later (after an await): it still sees the error
  // (pipeline/finished report an already-errored stream), but the process must not crash first.
  cap.on('error', () => undefined);
  return source.pipe(cap);
}
