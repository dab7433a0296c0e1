/**
 * `facerec bench fuzz --runs N [--seed S]`: the long version of the CI fuzz test. Starts the
 * embedded gateway in a temp data dir and sends N fast-check-generated requests to the AWS JSON
 * protocol (signed) and N to the multipart routes (REST, album upload, studio and storefront
 * search). Any 5xx, malformed answer or crash fails the run with fast-check's counterexample and
 * the seed to replay it. Reports outcomes, wall and CPU time (client and gateway share the process).
 */
import { InvalidParameterError } from '@facerec/core';
import { assertStillServing, fuzzAwsJson, fuzzMultipart, startFuzzStack, type FuzzStats } from '@facerec/gateway/testing/fuzz';
import { parse, type Command } from './command.js';

const USAGE = 'facerec bench fuzz [--runs 1000] [--seed S]   (runs per property: AWS JSON protocol, multipart)';

interface PropertyReport {
  runs: number;
  seed: number;
  wall_ms: number;
  cpu_ms: number;
  requests_per_second: number;
  outcomes: Record<string, number>;
}

async function measured(run: () => Promise<FuzzStats>): Promise<PropertyReport> {
  const cpu = process.cpuUsage();
  const stats = await run();
  const used = process.cpuUsage(cpu);
  return {
    runs: stats.runs,
    seed: stats.seed,
    wall_ms: stats.wallMs,
    cpu_ms: Math.round((used.user + used.system) / 1000),
    requests_per_second: Math.round((stats.runs / Math.max(stats.wallMs, 1)) * 1000 * 10) / 10,
    outcomes: stats.outcomes,
  };
}

export const benchFuzzCommand: Command = {
  summary: 'fuzz the AWS JSON protocol and the multipart parsers on an embedded gateway (fast-check)',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, { runs: { type: 'string' }, seed: { type: 'string' } }, USAGE);
    const runs = values.runs === undefined ? 1000 : Number(values.runs);
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (!Number.isInteger(runs) || runs < 1) throw new InvalidParameterError(`--runs takes a positive integer\nusage: ${USAGE}`);
    if (seed !== undefined && !Number.isInteger(seed)) throw new InvalidParameterError(`--seed takes an integer\nusage: ${USAGE}`);
    const { stack, target } = await startFuzzStack();
    try {
      const rssStartMb = Math.round(process.memoryUsage().rss / 2 ** 20);
      const options = { runs, ...(seed !== undefined ? { seed } : {}) };
      process.stderr.write(`fuzzing the AWS JSON protocol: ${runs} requests\n`);
      const aws = await measured(() => fuzzAwsJson(target, options));
      process.stderr.write(`fuzzing the multipart parsers: ${runs} requests\n`);
      const multipart = await measured(() => fuzzMultipart(target, options));
      await assertStillServing(target);
      const rssEndMb = Math.round(process.memoryUsage().rss / 2 ** 20);
      process.stdout.write(`${JSON.stringify({ runs_per_property: runs, failures: 0, still_serving: true, rss_start_mb: rssStartMb, rss_end_mb: rssEndMb, aws_json: aws, multipart })}\n`);
      return 0;
    } finally {
      await stack.close();
    }
  },
};
