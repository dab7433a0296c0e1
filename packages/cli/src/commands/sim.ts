import { readFile } from 'node:fs/promises';
import { InvalidParameterError } from '@facerec/core';
import {
  DEFAULT_ARRIVALS,
  DEFAULT_PER_INSTANCE_IPS,
  EXAMPLE_PROFILE,
  formatAlbums,
  formatFleet,
  formatMonthlyCost,
  formatTimeline,
  monthlyCost,
  parseArrivals,
  parseProfile,
  simulate,
  type TrafficProfile,
} from '@facerec/sim';
import { parse, printJson, type Command } from './command.js';

const USAGE =
  'facerec sim autoscale [--arrivals "SECONDS:IMAGES,…"] [--per-instance-ips N] [--hours H] [--profile FILE] [--every MINUTES] [--json]';

export const simCommand: Command = {
  summary: `simulate the worker Auto Scaling group on queue depth and the month's cost (default ${DEFAULT_PER_INSTANCE_IPS} images/s per c6i.2xlarge, see docs/cost.md)`,
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(
      args,
      {
        arrivals: { type: 'string', default: DEFAULT_ARRIVALS },
        'per-instance-ips': { type: 'string', default: String(DEFAULT_PER_INSTANCE_IPS) },
        hours: { type: 'string', default: '2' },
        profile: { type: 'string' },
        every: { type: 'string', default: '5' },
        json: { type: 'boolean', default: false },
      },
      USAGE,
    );
    if (positionals[0] !== 'autoscale') throw new InvalidParameterError(`usage: ${USAGE}`);
    const perInstanceIps = positiveNumber(values['per-instance-ips'], '--per-instance-ips');
    const hours = positiveNumber(values.hours, '--hours');
    const everyMinutes = positiveNumber(values.every, '--every');
    const profile = values.profile ? parseProfile(await readFile(values.profile, 'utf8')) : EXAMPLE_PROFILE;
    const result = simulate({ arrivals: parseArrivals(values.arrivals), perInstanceIps, durationSeconds: Math.round(hours * 3600) });
    const month = monthlyCost(profile, { perInstanceIps });
    if (values.json) {
      printJson({ perInstanceIps, result: { ...result, instances: undefined }, month: summary(month.profile, month) });
      return 0;
    }
    const out = [
      `per-instance throughput: ${perInstanceIps} images/s${perInstanceIps === DEFAULT_PER_INSTANCE_IPS ? ' (default: derived from docs/benchmarks.md, not measured on a c6i)' : ''}`,
      formatTimeline(result, Math.max(60, Math.round(everyMinutes) * 60)),
      formatAlbums(result),
      formatFleet(result),
      '',
      formatMonthlyCost(month),
    ];
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};

function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidParameterError(`${flag} must be a positive number, got "${text}"`);
  return n;
}

function summary(profile: TrafficProfile, month: ReturnType<typeof monthlyCost>) {
  return { profile, photos: month.photos, lines: month.lines, total: month.total, per1000Photos: month.per1000Photos, rekognition: month.rekognition, rekognitionTotal: month.rekognitionTotal };
}
