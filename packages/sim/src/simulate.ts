/**
 * Queue depth and fleet size over time under the worker Auto Scaling group's step policy, in
 * one-second steps. A model, not a replay: the queue drains at a fixed rate per warm instance,
 * CloudWatch sees one Maximum datapoint per minute (arriving `metricLagMinutes` late), a step fires
 * after `evaluationMinutes` breaching datapoints and, like EC2 Auto Scaling, adds only what the
 * instances still warming up do not already cover.
 */
import { DEFAULT_POLICY, type ScalingPolicy } from './policy.js';

export class SimInputError extends Error {
  override readonly name = 'SimInputError';
}

export interface Arrival {
  /** Seconds from the start of the simulation. */
  atSeconds: number;
  images: number;
  label?: string;
}

export interface SimOptions {
  arrivals: Arrival[];
  /** Images per second one warm instance processes. */
  perInstanceIps: number;
  durationSeconds: number;
  policy?: ScalingPolicy;
  /** Spacing of the recorded samples (default 60 s). */
  sampleEverySeconds?: number;
}

export interface Sample {
  t: number;
  /** Messages waiting (ApproximateNumberOfMessagesVisible, in-flight batches ignored). */
  visible: number;
  /** Instances running (launched, not terminated), warm or not. */
  running: number;
  /** Instances processing images. */
  inService: number;
}

export interface AlbumResult {
  label: string;
  arrivedAt: number;
  images: number;
  /** When its last image was done (first in, first out), undefined if not within the duration. */
  finishedAt: number | undefined;
}

export interface InstanceRecord {
  launchedAt: number;
  terminatedAt: number | undefined;
  onDemand: boolean;
}

export interface ScalingEvent {
  t: number;
  change: number;
  running: number;
  metric: number;
}

export interface SimResult {
  durationSeconds: number;
  samples: Sample[];
  albums: AlbumResult[];
  instances: InstanceRecord[];
  events: ScalingEvent[];
  onDemandSeconds: number;
  spotSeconds: number;
  processed: number;
  backlogAtEnd: number;
  peakVisible: number;
}

/** EC2 Linux is billed per second with a one-minute minimum. */
const MIN_BILLED_SECONDS = 60;

export function validateOptions(o: SimOptions, policy: ScalingPolicy): void {
  if (!(o.perInstanceIps > 0) || !Number.isFinite(o.perInstanceIps)) throw new SimInputError('per-instance images/s must be a positive number');
  if (!Number.isInteger(o.durationSeconds) || o.durationSeconds <= 0) throw new SimInputError('duration must be a positive whole number of seconds');
  for (const a of o.arrivals) {
    if (!Number.isFinite(a.atSeconds) || a.atSeconds < 0) throw new SimInputError(`arrival time must be >= 0 s, got ${a.atSeconds}`);
    if (!Number.isInteger(a.images) || a.images <= 0) throw new SimInputError(`an album needs a positive whole number of images, got ${a.images}`);
  }
  if (policy.minInstances < 1 || policy.maxInstances < policy.minInstances) throw new SimInputError('policy: need 1 <= min <= max instances');
  if (policy.scaleOutSteps.length === 0) throw new SimInputError('policy: at least one scale-out step');
  if (policy.evaluationMinutes < 1) throw new SimInputError('policy: evaluationMinutes >= 1');
}

class Fleet {
  readonly instances: InstanceRecord[] = [];
  /** Kept apart from `instances` so a month-long run does not rescan every instance ever launched. */
  private running: InstanceRecord[] = [];
  lastActivity = Number.NEGATIVE_INFINITY;

  constructor(private readonly policy: ScalingPolicy) {
    // The group's minimum is running and warm when the simulation starts.
    for (let i = 0; i < policy.minInstances; i++) this.launch(-policy.warmupSeconds);
  }

  alive(): InstanceRecord[] {
    return this.running;
  }

  inService(t: number): number {
    return this.alive().filter((i) => i.launchedAt + this.policy.warmupSeconds <= t).length;
  }

  warming(t: number): number {
    return this.alive().filter((i) => i.launchedAt + this.policy.warmupSeconds > t).length;
  }

  launch(t: number): void {
    const onDemand = this.alive().filter((i) => i.onDemand).length < this.policy.onDemandBase;
    const instance: InstanceRecord = { launchedAt: t, terminatedAt: undefined, onDemand };
    this.instances.push(instance);
    this.running.push(instance);
  }

  /** Spot first, newest first: the on-demand base is what keeps running. */
  terminateOne(t: number): void {
    const victim = [...this.running].sort((a, b) => Number(a.onDemand) - Number(b.onDemand) || b.launchedAt - a.launchedAt)[0];
    if (!victim) return;
    victim.terminatedAt = t;
    this.running = this.running.filter((i) => i !== victim);
  }
}

/** What the policy does at the end of a minute, given the datapoints CloudWatch has by then. */
function evaluate(policy: ScalingPolicy, fleet: Fleet, datapoints: number[], now: number): ScalingEvent | undefined {
  const usable = datapoints.length - policy.metricLagMinutes;
  if (usable < policy.evaluationMinutes) return undefined;
  const window = datapoints.slice(usable - policy.evaluationMinutes, usable);
  const metric = Math.max(...window);
  const running = fleet.alive().length;
  if (window.every((v) => v > policy.scaleOutSteps[0].above)) {
    const step = [...policy.scaleOutSteps].reverse().find((s) => metric > s.above) ?? policy.scaleOutSteps[0];
    const add = Math.min(step.change - fleet.warming(now), policy.maxInstances - running);
    if (add <= 0) return undefined;
    for (let i = 0; i < add; i++) fleet.launch(now);
    fleet.lastActivity = now;
    return { t: now, change: add, running: running + add, metric };
  }
  const quiet = window.every((v) => v <= policy.scaleInAtOrBelow);
  if (quiet && running > policy.minInstances && now - fleet.lastActivity >= policy.scaleInCooldownSeconds) {
    fleet.terminateOne(now);
    fleet.lastActivity = now;
    return { t: now, change: -1, running: running - 1, metric };
  }
  return undefined;
}

function billedSeconds(i: InstanceRecord, end: number): number {
  const start = Math.max(0, i.launchedAt);
  const stop = Math.min(end, i.terminatedAt ?? end);
  const seconds = Math.max(0, stop - start);
  // The minimum applies to instances launched during the run; the initial ones were already billed.
  return i.launchedAt >= 0 ? Math.max(MIN_BILLED_SECONDS, seconds) : seconds;
}

export function simulate(o: SimOptions): SimResult {
  const policy = o.policy ?? DEFAULT_POLICY;
  validateOptions(o, policy);
  const sampleEvery = o.sampleEverySeconds ?? 60;
  const arrivals = [...o.arrivals].sort((a, b) => a.atSeconds - b.atSeconds);
  const cumulativeEnd: number[] = [];
  arrivals.reduce((sum, a, i) => (cumulativeEnd[i] = sum + a.images), 0);
  const albums: AlbumResult[] = arrivals.map((a, i) => ({ label: a.label ?? `album ${i + 1}`, arrivedAt: a.atSeconds, images: a.images, finishedAt: undefined }));

  const fleet = new Fleet(policy);
  const samples: Sample[] = [];
  const events: ScalingEvent[] = [];
  const datapoints: number[] = [];
  let backlog = 0;
  let processed = 0;
  let nextArrival = 0;
  let nextAlbumToFinish = 0;
  let minuteMax = 0;
  let peakVisible = 0;

  for (let t = 0; t < o.durationSeconds; t++) {
    while (nextArrival < arrivals.length && arrivals[nextArrival].atSeconds < t + 1) backlog += arrivals[nextArrival++].images;
    const done = Math.min(backlog, fleet.inService(t) * o.perInstanceIps);
    backlog -= done;
    processed += done;
    while (nextAlbumToFinish < nextArrival && processed >= cumulativeEnd[nextAlbumToFinish] - 1e-6) albums[nextAlbumToFinish++].finishedAt = t + 1;
    const visible = Math.ceil(backlog - 1e-6);
    minuteMax = Math.max(minuteMax, visible);
    peakVisible = Math.max(peakVisible, visible);
    const now = t + 1;
    if (now % 60 === 0) {
      datapoints.push(minuteMax);
      minuteMax = 0;
      const event = evaluate(policy, fleet, datapoints, now);
      if (event) events.push(event);
    }
    if (now % sampleEvery === 0) samples.push({ t: now, visible, running: fleet.alive().length, inService: fleet.inService(now) });
  }

  let onDemandSeconds = 0;
  let spotSeconds = 0;
  for (const i of fleet.instances) {
    const s = billedSeconds(i, o.durationSeconds);
    if (i.onDemand) onDemandSeconds += s;
    else spotSeconds += s;
  }
  return { durationSeconds: o.durationSeconds, samples, albums, instances: fleet.instances, events, onDemandSeconds, spotSeconds, processed, backlogAtEnd: backlog, peakVisible };
}
