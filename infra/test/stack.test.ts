// Template checks of every number the deployment promises. One synth for the whole file (~10 s).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, InfraConfigError, readCdkJsonContext, settingsFromContext } from '../lib/app.js';
import { workerBootCommands } from '../lib/worker-user-data.js';
import * as S from '../lib/settings.js';
import { PRODUCTION_VARS, unknownEnvVars } from './env-names.js';

const outdir = mkdtempSync(path.join(os.tmpdir(), 'facerec-cdk-'));
after(() => rmSync(outdir, { recursive: true, force: true }));
const context = readCdkJsonContext();
const { stack } = buildApp({ context, outdir });
const template = Template.fromStack(stack);
const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

type Resource = { Type: string; Properties?: Record<string, unknown> };
function resources(type: string): [string, Resource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}
function one(type: string, props: Record<string, unknown>): [string, Resource] {
  const found = Object.entries(template.findResources(type, { Properties: props })) as [string, Resource][];
  assert.equal(found.length, 1, `exactly one ${type} matching ${JSON.stringify(props)}`);
  return found[0];
}
function logicalIdOfRole(description: string): string {
  return one('AWS::IAM::Role', { Description: description })[0];
}
/** Every (action, resource) an inline policy attached to the role grants. */
function roleStatements(roleId: string): { Action: string | string[]; Effect: string; Resource: unknown }[] {
  const attached = resources('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]));
  assert.ok(attached.length > 0, `a policy is attached to ${roleId}`);
  return attached.flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Effect: string; Resource: unknown }[] }).Statement);
}
function roleActions(roleId: string): Set<string> {
  return new Set(roleStatements(roleId).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}
function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value).includes(`"${logicalId}"`);
}

const queueId = one('AWS::SQS::Queue', { VisibilityTimeout: S.QUEUE_VISIBILITY_SECONDS })[0];
const dlqId = one('AWS::SQS::Queue', { MessageRetentionPeriod: S.DLQ_RETENTION_DAYS * 86400 })[0];
const bucketId = resources('AWS::S3::Bucket')[0][0];

describe('offline synth', () => {
  test('the VPC uses the AZ names from cdk.json context, not a lookup', () => {
    const key = `availability-zones:account=${stack.account}:region=${stack.region}`;
    const azs = context[key];
    assert.ok(Array.isArray(azs), `cdk.json has ${key}`);
    assert.deepEqual(stack.availabilityZones, azs);
    const subnetAzs = new Set(resources('AWS::EC2::Subnet').map(([, s]) => s.Properties?.AvailabilityZone));
    assert.deepEqual([...subnetAzs].sort(), azs.slice(0, 2));
  });

  test('bad context values fail with the key name', () => {
    assert.throws(() => settingsFromContext({ facerec: { workerImage: 3 } }), (e: unknown) => e instanceof InfraConfigError && /facerec\.workerImage/.test(e.message));
    assert.throws(() => settingsFromContext({ facerec: { databaseMultiAz: 'yes' } }), InfraConfigError);
    assert.deepEqual(settingsFromContext({}), S.DEFAULT_SETTINGS);
  });
});

describe('worker Auto Scaling group', () => {
  test('c6i.2xlarge, min 1, max 3, on-demand base 1 and spot above it', () => {
    const [, asg] = one('AWS::AutoScaling::AutoScalingGroup', {});
    assert.equal(asg.Properties?.MinSize, '1');
    assert.equal(asg.Properties?.MaxSize, '3');
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: {
        InstancesDistribution: { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'price-capacity-optimized' },
        LaunchTemplate: { Overrides: [{ InstanceType: 'c6i.2xlarge' }] },
      },
      CapacityRebalance: true,
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: 'c6i.2xlarge', MetadataOptions: { HttpTokens: 'required' } }),
    });
  });

  test('scale out when visible messages > 1000 (alarm >= 1001), +2 past 5000, in when <= 100', () => {
    const alarms = resources('AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties?.MetricName === 'ApproximateNumberOfMessagesVisible' && refersTo(a.Properties?.Dimensions, queueId));
    const upper = alarms.find(([, a]) => a.Properties?.ComparisonOperator === 'GreaterThanOrEqualToThreshold');
    const lower = alarms.find(([, a]) => a.Properties?.ComparisonOperator === 'LessThanOrEqualToThreshold');
    assert.ok(upper && lower, 'an upper and a lower scaling alarm on the ingest queue');
    assert.equal(upper[1].Properties?.Threshold, 1001);
    assert.equal(lower[1].Properties?.Threshold, 100);
    for (const [, a] of [upper, lower]) {
      assert.equal(a.Properties?.Period, 60);
      assert.equal(a.Properties?.EvaluationPeriods, 2);
      assert.equal(a.Properties?.Statistic, 'Maximum');
    }
    const policy = (alarm: Resource) => {
      const ref = (alarm.Properties?.AlarmActions as { Ref: string }[])[0].Ref;
      return json.Resources[ref].Properties as { StepAdjustments: Record<string, number>[]; EstimatedInstanceWarmup: number; AdjustmentType: string };
    };
    const out = policy(upper[1]);
    assert.equal(out.AdjustmentType, 'ChangeInCapacity');
    assert.equal(out.EstimatedInstanceWarmup, 180);
    // Bounds are relative to the alarm threshold 1001: [1001, 5001) → +1, [5001, ∞) → +2.
    assert.deepEqual(out.StepAdjustments, [
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 4000, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 4000, ScalingAdjustment: 2 },
    ]);
    assert.deepEqual(policy(lower[1]).StepAdjustments, [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }]);
  });

  test('boot script: env file with the production variables, secrets fetched, graceful stop', () => {
    const lines = workerBootCommands({
      image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/facerec-worker:1',
      region: 'eu-west-1',
      logGroup: 'g',
      environment: { FACEREC_MODE: 'production', SQS_QUEUE_URL: 'https://q' },
      secrets: { POSTGRES_PASSWORD: { arn: 'arn:db', field: 'password' }, PINECONE_API_KEY: { arn: 'arn:pc' } },
    });
    assert.ok(lines.includes('FACEREC_MODE=production'));
    assert.ok(lines.some((l) => l.includes("--secret-id 'arn:db'") && l.includes("jq -r '.password'") && l.startsWith('echo "POSTGRES_PASSWORD=')));
    assert.ok(lines.some((l) => l.includes("--secret-id 'arn:pc'") && !l.includes('jq')));
    assert.ok(lines.some((l) => l.includes('docker login') && l.includes('111111111111.dkr.ecr.eu-west-1.amazonaws.com')));
    assert.ok(lines.some((l) => l.startsWith('ExecStop=') && l.includes('docker stop -t 90')));
  });

  test('the launch template boots the worker image with every production variable and known names only', () => {
    const [, lt] = one('AWS::EC2::LaunchTemplate', {});
    const userData = JSON.stringify(lt.Properties?.LaunchTemplateData);
    const names = [...userData.matchAll(/(?:\\n|")([A-Z][A-Z0-9_]+)=/g)].map((m) => m[1]);
    assert.deepEqual(unknownEnvVars(names), []);
    for (const v of PRODUCTION_VARS) assert.ok(names.includes(v), `worker sets ${v}`);
    assert.ok(names.includes('PINECONE_API_KEY') && names.includes('PINECONE_INDEX_HOST'));
    assert.ok(userData.includes('facerec-worker:0.1.0'));
  });
});

describe('SQS', () => {
  test('ingest queue redrives to the DLQ after 5 receives; both encrypted', () => {
    const [, q] = one('AWS::SQS::Queue', { VisibilityTimeout: S.QUEUE_VISIBILITY_SECONDS });
    const redrive = q.Properties?.RedrivePolicy as { maxReceiveCount: number; deadLetterTargetArn: unknown };
    assert.equal(redrive.maxReceiveCount, 5);
    assert.deepEqual(redrive.deadLetterTargetArn, { 'Fn::GetAtt': [dlqId, 'Arn'] });
    for (const [, r] of resources('AWS::SQS::Queue')) assert.equal(r.Properties?.SqsManagedSseEnabled, true);
  });
});

describe('S3 bucket', () => {
  test('encrypted, private, TLS only, selfies expire after 30 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'selfies/', ExpirationInDays: 30, Status: 'Enabled' })]) },
    });
    const [, policy] = one('AWS::S3::BucketPolicy', { Bucket: { Ref: bucketId } });
    const statements = (policy.Properties?.PolicyDocument as { Statement: { Effect: string; Condition?: unknown }[] }).Statement;
    assert.ok(statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } })));
  });
});

describe('IAM least privilege', () => {
  const workerRole = logicalIdOfRole('facerec worker: read photos, consume the ingest queue');
  const gatewayRole = logicalIdOfRole('facerec gateway: store uploaded photos, enqueue them');

  test('worker: read the bucket, consume the queue; never write photos or send messages', () => {
    const actions = roleActions(workerRole);
    for (const a of ['s3:GetObject', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) assert.ok(actions.has(a), a);
    for (const a of ['s3:PutObject', 's3:DeleteObject', 'sqs:SendMessage', 's3:*', 'sqs:*', '*']) assert.ok(!actions.has(a), `worker must not have ${a}`);
    const s3 = roleStatements(workerRole).filter((s) => JSON.stringify(s.Action).includes('s3:'));
    assert.ok(s3.every((s) => refersTo(s.Resource, bucketId)), 's3 actions only on the photo bucket');
    const sqs = roleStatements(workerRole).filter((s) => JSON.stringify(s.Action).includes('sqs:'));
    assert.ok(sqs.every((s) => refersTo(s.Resource, queueId) && !refersTo(s.Resource, dlqId)), 'sqs actions only on the ingest queue');
  });

  test('gateway: write the bucket, send to the queue; never read photos or consume', () => {
    const actions = roleActions(gatewayRole);
    for (const a of ['s3:PutObject', 'sqs:SendMessage']) assert.ok(actions.has(a), a);
    for (const a of ['s3:GetObject', 's3:DeleteObject', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 's3:*', 'sqs:*', '*']) assert.ok(!actions.has(a), `gateway must not have ${a}`);
    const sqs = roleStatements(gatewayRole).filter((s) => JSON.stringify(s.Action).includes('sqs:'));
    assert.ok(sqs.every((s) => refersTo(s.Resource, queueId)));
  });

  test('no policy grants a wildcard action', () => {
    for (const [id, p] of resources('AWS::IAM::Policy')) {
      const statements = (p.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement;
      for (const s of statements) for (const a of [s.Action].flat()) assert.ok(!a.endsWith(':*') && a !== '*', `${id} grants ${a}`);
    }
  });
});

describe('gateway on Fargate behind an ALB', () => {
  test('Fargate service, container port 8080, /readyz health check, CPU autoscaling 2..6', () => {
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }) });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '2048',
      Memory: '4096',
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [Match.objectLike({ PortMappings: [Match.objectLike({ ContainerPort: 8080 })] })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/readyz', Port: 80, Protocol: 'HTTP', TargetType: 'ip' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }),
    });
  });

  test('container environment: production adapters, known variable names, secrets from Secrets Manager', () => {
    const [, task] = one('AWS::ECS::TaskDefinition', {});
    const container = (task.Properties?.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[]; Secrets: { Name: string }[] }[])[0];
    const env = new Map(container.Environment.map((e) => [e.Name, e.Value]));
    const names = [...env.keys(), ...container.Secrets.map((s) => s.Name)];
    assert.deepEqual(unknownEnvVars(names), []);
    for (const v of PRODUCTION_VARS) assert.ok(names.includes(v), `gateway sets ${v}`);
    assert.equal(env.get('FACEREC_MODE'), 'production');
    assert.equal(env.get('VECTOR_INDEX'), 'pinecone');
    assert.equal(env.get('PORT'), '8080');
    assert.equal(env.get('HOST'), '0.0.0.0');
    assert.equal(env.get('TRUST_PROXY'), 'true');
    assert.equal(env.get('QUEUE_MAX_RECEIVES'), '5', 'the app gives up on the same receive as the redrive policy');
    assert.equal(env.get('QUEUE_VISIBILITY_TIMEOUT_SECONDS'), String(S.QUEUE_VISIBILITY_SECONDS));
    assert.deepEqual(container.Secrets.map((s) => s.Name).sort(), ['FACEREC_SERVER_KEY', 'PINECONE_API_KEY', 'POSTGRES_PASSWORD', 'POSTGRES_USER']);
  });
});

describe('data stores and secrets', () => {
  test('RDS Postgres: encrypted, backed up, deletion-protected, private', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { Engine: 'postgres', StorageEncrypted: true, BackupRetentionPeriod: 7, DeletionProtection: true, PubliclyAccessible: false, StorageType: 'gp3', DBName: 'facerec' });
  });

  test('the Pinecone key and the server key live in Secrets Manager; the server key is 64 hex characters', () => {
    one('AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('Pinecone API key') });
    one('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('FACEREC_SERVER_KEY'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, ExcludeUppercase: true, ExcludeCharacters: 'ghijklmnopqrstuvwxyz', IncludeSpace: false },
    });
  });
});

describe('alarms and dashboard', () => {
  test('DLQ not empty: > 0 visible on the DLQ', () => {
    const [, a] = one('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', ComparisonOperator: 'GreaterThanThreshold' });
    assert.equal(a.Properties?.Threshold, 0);
    assert.ok(refersTo(a.Properties?.Dimensions, dlqId));
    assert.ok(refersTo(a.Properties?.AlarmActions, resources('AWS::SNS::Topic')[0][0]));
  });

  test('oldest message age > 30 s on the ingest queue', () => {
    const [, a] = one('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage' });
    assert.equal(a.Properties?.Threshold, 30);
    assert.equal(a.Properties?.ComparisonOperator, 'GreaterThanThreshold');
    assert.ok(refersTo(a.Properties?.Dimensions, queueId));
  });

  test('ALB 5xx rate > 1 % from target and ELB 5xx over requests', () => {
    const [, a] = one('AWS::CloudWatch::Alarm', { Metrics: Match.anyValue() });
    assert.equal(a.Properties?.Threshold, 1);
    const metrics = JSON.stringify(a.Properties?.Metrics);
    for (const name of ['HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'RequestCount', '100 * (target5xx + elb5xx) / requests']) assert.ok(metrics.includes(name), name);
  });

  test('a dashboard shows queue, DLQ, workers, gateway and database', () => {
    const [, d] = one('AWS::CloudWatch::Dashboard', {});
    const body = JSON.stringify(d.Properties?.DashboardBody);
    for (const m of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'GroupInServiceInstances', 'TargetResponseTime', 'CPUUtilization', 'DatabaseConnections']) assert.ok(body.includes(m), m);
  });
});
