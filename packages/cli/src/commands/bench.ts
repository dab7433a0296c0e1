import os from 'node:os';
import path from 'node:path';
import { runSearchLoad } from './bench-search-load.js';
import { InvalidParameterError } from '@facerec/core';
import { createProgress, fitCalibration, runGroupsBench, runPairsBench, runSpeedBench, type Progress } from '@facerec/eval';
import { openEngine } from './engine.js';
import { parse, type Command } from './command.js';

const USAGE = [
  'facerec bench pairs --pairs <csv> --images <dir> [--train <csv>] [--threads N] [--fit-calibration]',
  'facerec bench groups --dir <dir> [--threads N]',
  'facerec bench speed --images <dir> [--threads N]',
  'facerec bench search-load [--faces 100000] [--concurrency 50] [--seconds 30] [--warmup-seconds 10] [--portraits <dir>] [--profile]',
].join('\n       ');

const OPTIONS = {
  pairs: { type: 'string' },
  images: { type: 'string' },
  train: { type: 'string' },
  dir: { type: 'string' },
  threads: { type: 'string' },
  'fit-calibration': { type: 'boolean' },
  faces: { type: 'string' },
  concurrency: { type: 'string' },
  seconds: { type: 'string' },
  'warmup-seconds': { type: 'string' },
  portraits: { type: 'string' },
  profile: { type: 'boolean' },
} as const;

/** Prints the detailed report on stderr and the one-line JSON result last on stdout. */
function report(result: object, details?: unknown): void {
  if (details !== undefined) process.stderr.write(JSON.stringify(details, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result) + '\n');
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new InvalidParameterError(`${flag} is required\nusage: ${USAGE}`);
  return value;
}

async function withProgress<T>(label: string, run: (p: Progress) => Promise<T>): Promise<T> {
  const progress = createProgress(label);
  try {
    return await run(progress);
  } finally {
    progress.finish();
  }
}

export const benchCommand: Command = {
  summary: 'measure accuracy (pairs), detection recall (groups) and throughput (speed)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, USAGE);
    const kind = positionals[0];
    if (kind === 'search-load') {
      const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
      const opts = { faces: num(values.faces, 100000), concurrency: num(values.concurrency, 50), seconds: num(values.seconds, 30), warmupSeconds: num(values['warmup-seconds'], 10), portraits: values.portraits ?? path.resolve('..', 'shared', 'faces', 'dev'), profile: values.profile === true };
      if (![opts.faces, opts.concurrency, opts.seconds].every((n) => Number.isInteger(n) && n > 0)) throw new InvalidParameterError('--faces, --concurrency and --seconds take positive integers');
      if (!Number.isInteger(opts.warmupSeconds) || opts.warmupSeconds < 0) throw new InvalidParameterError('--warmup-seconds takes a whole number of seconds (0: none)');
      report(await runSearchLoad(opts, (line) => process.stderr.write(`${line}\n`)));
      return 0;
    }
    const threads = values.threads ? Number(values.threads) : kind === 'speed' ? 1 : os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new InvalidParameterError('--threads must be a positive integer');
    if (kind !== 'pairs' && kind !== 'groups' && kind !== 'speed') throw new InvalidParameterError(`usage: ${USAGE}`);
    const engine = await openEngine({ threads });
    try {
      if (kind === 'pairs') {
        const run = await withProgress('pairs', (p) =>
          runPairsBench({ engine, pairs: required(values.pairs, '--pairs'), images: required(values.images, '--images'), train: values.train, concurrency: threads, onProgress: p.update }),
        );
        if (values['fit-calibration']) {
          if (!run.trainScored) throw new InvalidParameterError('--fit-calibration needs --train pairs to fit on');
          process.stderr.write(`calibration for ${engine.modelVersion}:\n${JSON.stringify(fitCalibration(run.trainScored), null, 2)}\n`);
        }
        report(run.result);
      } else if (kind === 'groups') {
        const result = await withProgress('groups', (p) => runGroupsBench({ engine, dir: required(values.dir, '--dir'), concurrency: threads, onProgress: p.update }));
        const { rows, nonface_rows, ...summary } = result;
        report(summary, { rows, nonface_rows });
      } else {
        const result = await withProgress('speed', (p) => runSpeedBench({ engine, images: required(values.images, '--images'), threads, onProgress: p.update }));
        report(result);
      }
      return 0;
    } finally {
      await engine.close();
    }
  },
};
