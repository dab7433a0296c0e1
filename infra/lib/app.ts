/**
 * Builds the CDK app from cdk.json's context, so `cdk synth`, the offline `synth` script and the
 * tests all synthesize the same stack.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { FacerecStack } from './facerec-stack.js';
import { DEFAULT_SETTINGS, type DeploymentSettings } from './settings.js';

export const INFRA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STACK_NAME = 'Facerec';

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
}

export type Context = Record<string, unknown>;

/** The `context` object of infra/cdk.json. */
export function readCdkJsonContext(file = path.join(INFRA_DIR, 'cdk.json')): Context {
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isRecord(json) || !isRecord(json.context)) throw new InfraConfigError(`${file} has no "context" object`);
  return json.context;
}

export function settingsFromContext(context: Context): DeploymentSettings {
  const raw = context.facerec ?? {};
  if (!isRecord(raw)) throw new InfraConfigError('context "facerec" must be an object');
  const text = (key: keyof DeploymentSettings): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new InfraConfigError(`context facerec.${key} must be a non-empty string`);
    return v;
  };
  const multiAz = raw.databaseMultiAz ?? DEFAULT_SETTINGS.databaseMultiAz;
  if (typeof multiAz !== 'boolean') throw new InfraConfigError('context facerec.databaseMultiAz must be true or false');
  const settings: DeploymentSettings = {
    gatewayImage: text('gatewayImage') ?? DEFAULT_SETTINGS.gatewayImage,
    workerImage: text('workerImage') ?? DEFAULT_SETTINGS.workerImage,
    pineconeIndexHost: text('pineconeIndexHost') ?? DEFAULT_SETTINGS.pineconeIndexHost,
    databaseMultiAz: multiAz,
  };
  const certificateArn = text('certificateArn');
  const alarmEmail = text('alarmEmail');
  if (certificateArn) settings.certificateArn = certificateArn;
  if (alarmEmail) settings.alarmEmail = alarmEmail;
  return settings;
}

export interface BuiltApp {
  app: App;
  stack: FacerecStack;
}

/**
 * An explicit account and region (context facerec:account / facerec:region, else the CLI's
 * CDK_DEFAULT_*): with them the VPC spreads over real AZ names, which synth reads from the
 * `availability-zones:…` context entry instead of calling AWS.
 */
export function buildApp(options: { context?: Context; outdir?: string } = {}): BuiltApp {
  const context = options.context ?? readCdkJsonContext();
  const outdir = process.env.CDK_OUTDIR ?? options.outdir ?? path.join(INFRA_DIR, 'cdk.out');
  const app = new App({ context, outdir });
  const account = contextString(app, 'facerec:account') ?? process.env.CDK_DEFAULT_ACCOUNT;
  const region = contextString(app, 'facerec:region') ?? process.env.CDK_DEFAULT_REGION;
  if (!account || !region) throw new InfraConfigError('set context facerec:account and facerec:region (cdk.json or -c)');
  const stack = new FacerecStack(app, STACK_NAME, {
    env: { account, region },
    settings: settingsFromContext(context),
    description: 'facerec: self-hosted face recognition (Rekognition face API)',
  });
  return { app, stack };
}

function contextString(app: App, key: string): string | undefined {
  const v: unknown = app.node.tryGetContext(key);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
