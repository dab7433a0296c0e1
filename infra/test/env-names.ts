/**
 * The environment variable names deployment files may set: every variable the gateway reads
 * (GATEWAY_ENV_VARS), the blob-store and queue selectors being added with the S3/SQS adapters
 * (named by the deployment brief; drop them from here once they are in GATEWAY_ENV_VARS), and the
 * AWS SDK's own standard variables.
 */
import { GATEWAY_ENV_VARS } from '../../apps/gateway/src/config.js';

export const BLOB_AND_QUEUE_VARS = ['FACEREC_BLOB_STORE', 'S3_BUCKET', 'S3_ENDPOINT', 'FACEREC_QUEUE', 'SQS_QUEUE_URL', 'SQS_DLQ_URL'] as const;
export const AWS_SDK_VARS = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

export const KNOWN_ENV_VARS: ReadonlySet<string> = new Set([...GATEWAY_ENV_VARS.map((v) => v.name), ...BLOB_AND_QUEUE_VARS, ...AWS_SDK_VARS]);

/** Names not in KNOWN_ENV_VARS (a typo such as POSTGRES_PASS would otherwise be silently ignored). */
export function unknownEnvVars(names: Iterable<string>): string[] {
  return [...names].filter((n) => !KNOWN_ENV_VARS.has(n));
}

/** The production settings every deployment path must set (the brief's production adapter list). */
export const PRODUCTION_VARS = ['FACEREC_MODE', 'POSTGRES_HOST', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'VECTOR_INDEX', 'FACEREC_BLOB_STORE', 'S3_BUCKET', 'FACEREC_QUEUE', 'SQS_QUEUE_URL', 'SQS_DLQ_URL', 'FACEREC_SERVER_KEY'] as const;
