/**
 * `facerec bench faults [--outage-seconds 30] [--kill-runs 10] [--seed S]`: the long versions of
 * the album fault tests in apps/worker/test — each S3, SQS and vector-index peer unreachable for the
 * issue's full 30 s mid-album, and the worker SIGKILLed at seeded random points — run as child test
 * processes with those settings. Prints each test's own findings (its `[…]` lines) on stderr and,
 * last, one JSON line: per file whether it passed, its tests and its wall time.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameterError } from '@facerec/core';
import { parse, type Command } from './command.js';

const USAGE = 'facerec bench faults [--outage-seconds 30] [--kill-runs 10] [--seed S]';
const OPTIONS = { 'outage-seconds': { type: 'string' }, 'kill-runs': { type: 'string' }, seed: { type: 'string' } } as const;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

interface FileReport {
  file: string;
  passed: boolean;
  tests: number;
  failed: number;
  wall_ms: number;
}

/** Runs one test file with the TAP reporter; its `[…]` lines are the test's own findings. */
function runTestFile(file: string, env: Record<string, string>, log: (line: string) => void): Promise<FileReport> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tap = '';
    child.stdout.on('data', (chunk: Buffer) => (tap += chunk.toString('utf8')));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      // The test file's own output arrives as TAP comments: `# [outage] …`.
      for (const line of new Set(tap.split('\n').filter((l) => l.startsWith('# ['))).values()) log(line.slice(2));
      const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
      resolve({ file, passed: code === 0, tests: count('tests'), failed: count('fail'), wall_ms: Date.now() - started });
    });
  });
}

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidParameterError(`${flag} takes a positive integer\nusage: ${USAGE}`);
  return n;
}

export const benchFaultsCommand: Command = {
  summary: 'the long fault runs: 30 s peer outages mid-album and ten random SIGKILLs of the worker',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, OPTIONS, USAGE);
    const outageSeconds = positiveInt(values['outage-seconds'], 30, '--outage-seconds');
    const killRuns = positiveInt(values['kill-runs'], 10, '--kill-runs');
    const seed: Record<string, string> = values.seed === undefined ? {} : { FAULT_SEED: String(positiveInt(values.seed, 1, '--seed')) };
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const files = [
      await runTestFile('apps/worker/test/peer-outage.test.ts', { PEER_OUTAGE_MS: String(outageSeconds * 1000) }, log),
      await runTestFile('apps/worker/test/sigkill-random.test.ts', { SIGKILL_RUNS: String(killRuns), ...seed }, log),
    ];
    const passed = files.every((f) => f.passed);
    process.stdout.write(JSON.stringify({ outage_seconds: outageSeconds, kill_runs: killRuns, passed, files }) + '\n');
    return passed ? 0 : 1;
  },
};
