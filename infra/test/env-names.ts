/**
 * The environment variable names deployment files may set: every variable the app's config module
 * documents (all of its exported EnvVarDoc lists — GATEWAY_ENV_VARS and any list added beside it,
 * such as the blob-store/queue/album ones), plus the blob-store and queue selectors the deployment
 * brief names, in case their list has not landed yet.
 */
import * as appConfig from '../../apps/gateway/src/config.js';

export const BLOB_AND_QUEUE_VARS = ['FACEREC_BLOB_STORE', 'S3_BUCKET', 'S3_ENDPOINT', 'FACEREC_QUEUE', 'SQS_QUEUE_URL', 'SQS_DLQ_URL'] as const;
/** Read by the AWS SDK itself (region for S3/SQS clients). */
export const AWS_SDK_VARS = ['AWS_REGION'] as const;

interface EnvVarDocLike {
  name: string;
  default: string;
  doc: string;
}

function isEnvVarDocList(value: unknown): value is EnvVarDocLike[] {
  return Array.isArray(value) && value.length > 0 && value.every((v: unknown) => typeof v === 'object' && v !== null && typeof (v as EnvVarDocLike).name === 'string' && typeof (v as EnvVarDocLike).doc === 'string');
}

/** Every name in every EnvVarDoc list apps/gateway/src/config.ts exports. */
export const APP_ENV_VARS: ReadonlySet<string> = new Set(
  Object.values(appConfig as Record<string, unknown>).filter(isEnvVarDocList).flatMap((list) => list.map((v) => v.name)),
);

export const KNOWN_ENV_VARS: ReadonlySet<string> = new Set([...APP_ENV_VARS, ...BLOB_AND_QUEUE_VARS, ...AWS_SDK_VARS]);

/** Names not in KNOWN_ENV_VARS (a typo such as POSTGRES_PASS would otherwise be silently ignored). */
export function unknownEnvVars(names: Iterable<string>): string[] {
  return [...names].filter((n) => !KNOWN_ENV_VARS.has(n));
}

/** The production settings every deployment path must set (the brief's production adapter list). */
export const PRODUCTION_VARS = ['FACEREC_MODE', 'POSTGRES_HOST', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'VECTOR_INDEX', 'FACEREC_BLOB_STORE', 'S3_BUCKET', 'FACEREC_QUEUE', 'SQS_QUEUE_URL', 'SQS_DLQ_URL', 'FACEREC_SERVER_KEY'] as const;
