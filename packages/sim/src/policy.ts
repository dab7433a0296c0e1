/**
 * The worker fleet's scaling policy as the simulator models it. The numbers equal infra/lib/settings.ts
 * (infra/test/sim-policy.test.ts checks that they stay equal).
 */

export interface ScalingStep {
  /** The step applies when the metric is > this many visible messages. */
  above: number;
  /** Instances added. */
  change: number;
}

export interface ScalingPolicy {
  minInstances: number;
  maxInstances: number;
  /** Instances that are on-demand; the rest are spot (0 % on-demand above base). */
  onDemandBase: number;
  /** Scale-out steps on ApproximateNumberOfMessagesVisible, lowest first. */
  scaleOutSteps: ScalingStep[];
  /** Remove one instance when the metric is <= this. */
  scaleInAtOrBelow: number;
  /** Consecutive 1-minute datapoints that must breach before a step fires. */
  evaluationMinutes: number;
  /** Seconds from launch until an instance processes images (boot, image pull, model load). */
  warmupSeconds: number;
  /**
   * Seconds after any scaling activity before a scale-in may follow. Assumption: the ASG's default
   * cooldown (300 s); step policies themselves have none, so this models conservative operation.
   */
  scaleInCooldownSeconds: number;
  /** Minutes a datapoint takes to reach CloudWatch (assumption: SQS metrics arrive about a minute late). */
  metricLagMinutes: number;
}

export const DEFAULT_POLICY: ScalingPolicy = {
  minInstances: 1,
  maxInstances: 3,
  onDemandBase: 1,
  scaleOutSteps: [
    { above: 1000, change: 1 },
    { above: 5000, change: 2 },
  ],
  scaleInAtOrBelow: 100,
  evaluationMinutes: 2,
  warmupSeconds: 180,
  scaleInCooldownSeconds: 300,
  metricLagMinutes: 1,
};

/**
 * Images per second one c6i.2xlarge processes (album mode, embeddings on), the default of
 * `--per-instance-ips`. Derived, not measured on a c6i: docs/benchmarks.md measured 7.32 images/s
 * per core for 1080p photos with the proposed model set (9.16 with the default set) on this
 * machine; a c6i.2xlarge has 4 physical cores (8 vCPUs); hyper-threading is assumed to add ~25 %.
 * 7.32 × 4 × 1.25 ≈ 36. A 24 MP photo costs ~1 s of CPU (tiling): use ~5 for such albums.
 */
export const DEFAULT_PER_INSTANCE_IPS = 36;
