import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY, type ScalingPolicy } from './policy.js';
import { SimInputError, simulate } from './simulate.js';

const HOUR = 3600;

describe('simulate', () => {
  test('no traffic: the on-demand base runs alone all the time', () => {
    const r = simulate({ arrivals: [], perInstanceIps: 36, durationSeconds: HOUR });
    assert.deepEqual(r.events, []);
    assert.equal(r.onDemandSeconds, HOUR);
    assert.equal(r.spotSeconds, 0);
    assert.ok(r.samples.every((s) => s.running === 1 && s.inService === 1 && s.visible === 0));
  });

  test('a small album is done by the base instance without scaling', () => {
    const r = simulate({ arrivals: [{ atSeconds: 10, images: 500 }], perInstanceIps: 36, durationSeconds: HOUR });
    assert.deepEqual(r.events, []);
    // 500 / 36 = 13.9 s → the 14th second after arrival.
    assert.equal(r.albums[0].finishedAt, 24);
    assert.equal(r.processed, 500);
  });

  test('exactly 1000 visible does not scale out; 1001 does (the alarm is > 1000)', () => {
    const at = (images: number) => simulate({ arrivals: [{ atSeconds: 0, images }], perInstanceIps: 0.001, durationSeconds: 10 * 60 });
    assert.deepEqual(at(1000).events, []);
    const r = at(1002);
    assert.equal(r.events[0].change, 1);
    // Two breaching minutes, and the second datapoint reaches CloudWatch a minute late.
    assert.equal(r.events[0].t, (DEFAULT_POLICY.evaluationMinutes + DEFAULT_POLICY.metricLagMinutes) * 60);
  });

  test('a 10,000-photo album: +2 at once (past 5000), capped at max 3; fast instances finish before the new ones are warm', () => {
    const r = simulate({ arrivals: [{ atSeconds: 0, images: 10_000 }], perInstanceIps: 36, durationSeconds: HOUR });
    assert.equal(r.events[0].t, 180);
    assert.equal(r.events[0].change, 2);
    assert.equal(r.events[0].running, 3);
    assert.equal(r.albums[0].finishedAt, Math.ceil(10_000 / 36));
    assert.ok(Math.max(...r.samples.map((s) => s.running)) <= DEFAULT_POLICY.maxInstances);
  });

  test('slow instances (24 MP photos): the two spot instances join after warm-up and shorten the album', () => {
    const ips = 5;
    const r = simulate({ arrivals: [{ atSeconds: 0, images: 10_000 }], perInstanceIps: ips, durationSeconds: 2 * HOUR });
    // 1 instance for 360 s (launch at 180 + 180 s warm-up), then 3: 1800 done, 8200 left at 15/s.
    const expected = 360 + Math.ceil((10_000 - 360 * ips) / (3 * ips));
    assert.equal(r.albums[0].finishedAt, expected);
    const spot = r.instances.filter((i) => !i.onDemand);
    assert.equal(spot.length, 2);
    assert.ok(r.instances.filter((i) => i.onDemand).every((i) => i.terminatedAt === undefined), 'the on-demand base is never scaled in');
    assert.ok(spot.every((i) => i.terminatedAt !== undefined), 'spot instances are scaled in after the backlog drains');
  });

  test('instances still warming cover the same step: +1 steps launch one per warm-up period', () => {
    const policy: ScalingPolicy = { ...DEFAULT_POLICY, scaleOutSteps: [{ above: 1000, change: 1 }] };
    const r = simulate({ arrivals: [{ atSeconds: 0, images: 100_000 }], perInstanceIps: 5, durationSeconds: HOUR, policy });
    const outs = r.events.filter((e) => e.change > 0).map((e) => e.t);
    assert.deepEqual(outs, [180, 360]);
  });

  test('scale-in removes one instance per cooldown and never goes below the minimum', () => {
    const r = simulate({ arrivals: [{ atSeconds: 0, images: 20_000 }], perInstanceIps: 5, durationSeconds: 3 * HOUR });
    const ins = r.events.filter((e) => e.change < 0);
    assert.equal(ins.length, 2);
    assert.ok(ins[1].t - ins[0].t >= DEFAULT_POLICY.scaleInCooldownSeconds);
    assert.equal(r.samples.at(-1)?.running, DEFAULT_POLICY.minInstances);
  });

  test('a launched instance is billed at least one minute', () => {
    const r = simulate({ arrivals: [{ atSeconds: 0, images: 6000 }], perInstanceIps: 1000, durationSeconds: HOUR });
    // The backlog is gone long before the alarm fires: no launch, so no spot seconds.
    assert.equal(r.spotSeconds, 0);
    const slow = simulate({ arrivals: [{ atSeconds: 0, images: 6000 }], perInstanceIps: 10, durationSeconds: HOUR });
    assert.ok(slow.spotSeconds >= 2 * 60);
  });

  test('albums finish first in, first out', () => {
    const r = simulate({ arrivals: [{ atSeconds: 60, images: 100 }, { atSeconds: 0, images: 3600 }], perInstanceIps: 36, durationSeconds: HOUR });
    assert.deepEqual(r.albums.map((a) => a.arrivedAt), [0, 60]);
    assert.equal(r.albums[0].finishedAt, 100);
    assert.equal(r.albums[1].finishedAt, Math.ceil(3700 / 36));
  });

  test('bad input is a SimInputError', () => {
    assert.throws(() => simulate({ arrivals: [], perInstanceIps: 0, durationSeconds: 60 }), SimInputError);
    assert.throws(() => simulate({ arrivals: [{ atSeconds: -1, images: 1 }], perInstanceIps: 1, durationSeconds: 60 }), SimInputError);
    assert.throws(() => simulate({ arrivals: [{ atSeconds: 0, images: 1.5 }], perInstanceIps: 1, durationSeconds: 60 }), SimInputError);
    assert.throws(() => simulate({ arrivals: [], perInstanceIps: 1, durationSeconds: 60, policy: { ...DEFAULT_POLICY, maxInstances: 0 } }), SimInputError);
  });
});
