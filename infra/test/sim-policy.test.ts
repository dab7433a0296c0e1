// The autoscaling simulator (packages/sim) must model the policy this stack deploys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../../packages/sim/src/index.js';
import * as S from '../lib/settings.js';

test('the simulator policy equals the CDK settings', () => {
  assert.equal(DEFAULT_POLICY.minInstances, S.WORKER_MIN_CAPACITY);
  assert.equal(DEFAULT_POLICY.maxInstances, S.WORKER_MAX_CAPACITY);
  assert.equal(DEFAULT_POLICY.onDemandBase, S.WORKER_ON_DEMAND_BASE);
  assert.deepEqual(DEFAULT_POLICY.scaleOutSteps, [
    { above: S.SCALE_OUT_THRESHOLD, change: 1 },
    { above: S.SCALE_OUT_BIG_THRESHOLD, change: 2 },
  ]);
  assert.equal(DEFAULT_POLICY.scaleInAtOrBelow, S.SCALE_IN_THRESHOLD);
  assert.equal(DEFAULT_POLICY.evaluationMinutes, S.SCALING_EVALUATION_MINUTES);
  assert.equal(DEFAULT_POLICY.warmupSeconds, S.WORKER_WARMUP_SECONDS);
});
