/**
 * The numbers the stack is built from, in one place so the tests, the docs and the autoscaling
 * simulator (packages/sim) can all be checked against the same values.
 */

/** Worker fleet: compute-optimised, 8 vCPU / 16 GiB; the face pipeline is CPU-bound (onnxruntime). */
export const WORKER_INSTANCE_TYPE = 'c6i.2xlarge';
export const WORKER_MIN_CAPACITY = 1;
export const WORKER_MAX_CAPACITY = 3;
/** One on-demand instance always runs, so an album starts within seconds even when spot is scarce. */
export const WORKER_ON_DEMAND_BASE = 1;
/** Everything above the base is spot (0 % on-demand above base). */
export const WORKER_ON_DEMAND_PERCENT_ABOVE_BASE = 0;
/** Worker threads per instance = vCPUs of the instance type. */
export const WORKER_THREADS = 8;

/**
 * Step scaling on the queue's ApproximateNumberOfMessagesVisible. CloudWatch step alarms compare
 * with `>=`, and the metric is an integer, so `>= 1001` is exactly the design's `> 1000`.
 */
export const SCALE_OUT_THRESHOLD = 1000;
/** A deep backlog (a 10,000-photo album) adds two instances at once instead of one per warm-up. */
export const SCALE_OUT_BIG_THRESHOLD = 5000;
/** Scale in once the backlog has (almost) drained; the gap to 1000 keeps the fleet from flapping. */
export const SCALE_IN_THRESHOLD = 100;
/** Minutes the metric must stay past a threshold before a step fires (1-minute periods). */
export const SCALING_EVALUATION_MINUTES = 2;
/** Seconds before a new instance's work counts (boot + image pull + model load). */
export const WORKER_WARMUP_SECONDS = 180;

/** SQS: receives before a message moves to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** SQS visibility timeout; the worker extends it while a big photo is still being processed. */
export const QUEUE_VISIBILITY_SECONDS = 120;
/** DLQ retention is SQS's maximum, so failures can be inspected and redriven for two weeks. */
export const DLQ_RETENTION_DAYS = 14;

/** Stored selfies (only when a guest asks) expire after this many days. */
export const SELFIE_PREFIX = 'selfies/';
export const SELFIE_EXPIRY_DAYS = 30;

/** Alarms. */
export const OLDEST_MESSAGE_AGE_ALARM_SECONDS = 30;
export const ALB_5XX_RATE_ALARM_PERCENT = 1;

/** Gateway on Fargate. */
export const GATEWAY_PORT = 8080;
export const GATEWAY_CPU = 2048;
export const GATEWAY_MEMORY_MIB = 4096;
export const GATEWAY_MIN_TASKS = 2;
export const GATEWAY_MAX_TASKS = 6;
export const GATEWAY_CPU_TARGET_PERCENT = 60;

/** What an operator sets per deployment (cdk.json context `facerec`, or `-c facerec:KEY=VALUE`). */
export interface DeploymentSettings {
  /** Container images built from deploy/*.Dockerfile and pushed to a registry (ECR). */
  gatewayImage: string;
  workerImage: string;
  /** Pinecone index data-plane host (not secret); the API key goes into Secrets Manager. */
  pineconeIndexHost: string;
  /** An ACM certificate for HTTPS on the ALB; without it the ALB listens on plain HTTP (tests, demos). */
  certificateArn?: string;
  /** Where alarm notifications go. */
  alarmEmail?: string;
  /** RDS: Multi-AZ doubles the database cost; worth it once real studios depend on the service. */
  databaseMultiAz: boolean;
}

export const DEFAULT_SETTINGS: DeploymentSettings = {
  gatewayImage: 'public.ecr.aws/facerec/gateway:latest',
  workerImage: 'public.ecr.aws/facerec/worker:latest',
  pineconeIndexHost: 'https://faces-example.svc.pinecone.io',
  databaseMultiAz: false,
};
