/**
 * Progress reporting for the bench runners. On a terminal: one bar redrawn in place. Elsewhere
 * (CI logs, files): a plain line each time another `everyPercent` of the work is done, so logs
 * stay short.
 */
export type ProgressCallback = (done: number, total: number) => void;

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  /** Default: process.stderr. */
  stream?: ProgressStream;
  /** Non-TTY: print a line every this many percent (default 10). */
  everyPercent?: number;
  /** Milliseconds clock; injectable so tests do not depend on real time. */
  now?: () => number;
  /** TTY redraws are at most this often, except the final one (default 100 ms). */
  redrawMs?: number;
}

export interface Progress {
  update: ProgressCallback;
  /** Ends the bar's line on a terminal; call once when the work is over. */
  finish(): void;
}

const BAR_WIDTH = 24;

export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const started = now();
  return stream.isTTY === true
    ? ttyProgress(label, stream, now, started, options.redrawMs ?? 100)
    : lineProgress(label, stream, now, started, options.everyPercent ?? 10);
}

function ttyProgress(label: string, stream: ProgressStream, now: () => number, started: number, redrawMs: number): Progress {
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(done, total) {
      const t = now();
      if (done < total && t - lastDraw < redrawMs) return;
      lastDraw = t;
      drawn = true;
      // \x1b[K clears what a longer previous line left behind.
      stream.write(`\r${formatBar(label, done, total, t - started)}\x1b[K`);
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function lineProgress(label: string, stream: ProgressStream, now: () => number, started: number, everyPercent: number): Progress {
  let lastStep = -1;
  return {
    update(done, total) {
      const step = Math.floor(percent(done, total) / everyPercent);
      if (step <= lastStep) return;
      lastStep = step;
      stream.write(`${formatLine(label, done, total, now() - started)}\n`);
    },
    finish() {},
  };
}

export function formatBar(label: string, done: number, total: number, elapsedMs: number): string {
  const pct = percent(done, total);
  const filled = Math.round((pct / 100) * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '.'.repeat(BAR_WIDTH - filled);
  return `${label} [${bar}] ${formatLine('', done, total, elapsedMs).trimStart()}`;
}

export function formatLine(label: string, done: number, total: number, elapsedMs: number): string {
  const pct = percent(done, total);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts = [`${label}`, `${Math.floor(pct)}%`, `${done}/${total}`];
  if (rate > 0) parts.push(`${rate.toFixed(1)}/s`);
  if (rate > 0 && done < total) parts.push(`ETA ${formatDuration(((total - done) / rate) * 1000)}`);
  return parts.join(' ').replace(/^ /, '');
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.max(0, (done / total) * 100));
}
