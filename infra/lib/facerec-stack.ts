/**
 * facerec on AWS: S3 for photos, SQS (+ DLQ) for album ingestion, a worker Auto Scaling group on
 * the queue's depth, the gateway on ECS Fargate behind an ALB, RDS Postgres, the Pinecone key in
 * Secrets Manager, alarms and a dashboard.
 *
 * Why the gateway runs on Fargate and the workers on EC2: the gateway's work is short and bursty
 * (a selfie search is ~15 ms of CPU, album uploads are I/O), so per-task scaling in seconds with no
 * hosts to patch is worth Fargate's premium (~15 % per vCPU-hour over on-demand c6i). The workers
 * burn CPU for minutes at a time on a whole album; there a c6i on spot costs ~40 % of
 * on-demand, and Fargate Spot cannot pick the instance family the benchmarks were measured on.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type { Construct } from 'constructs';
import * as S from './settings.js';
import { workerUserData } from './worker-user-data.js';

export interface FacerecStackProps extends StackProps {
  settings: S.DeploymentSettings;
}

interface Data {
  bucket: s3.Bucket;
  queue: sqs.Queue;
  dlq: sqs.Queue;
  database: rds.DatabaseInstance;
  pineconeKey: secretsmanager.Secret;
  serverKey: secretsmanager.Secret;
}

const DB_NAME = 'facerec';

export class FacerecStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly workers: autoscaling.AutoScalingGroup;
  readonly gateway: ecsPatterns.ApplicationLoadBalancedFargateService;

  constructor(scope: Construct, id: string, props: FacerecStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    // Two AZs: RDS subnet groups need two; one NAT gateway keeps the idle cost down (a NAT outage
    // stops image pulls and Pinecone calls, not the data already in AWS).
    this.vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const data = this.dataStores(settings);
    const alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'facerec alarms' });
    if (settings.alarmEmail) alarmTopic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    this.workers = this.workerFleet(settings, data);
    this.gateway = this.gatewayService(settings, data);
    this.monitoring(data, alarmTopic);
    new CfnOutput(this, 'GatewayUrl', { value: `${settings.certificateArn ? 'https' : 'http'}://${this.gateway.loadBalancer.loadBalancerDnsName}` });
    new CfnOutput(this, 'BucketName', { value: data.bucket.bucketName });
    new CfnOutput(this, 'QueueUrl', { value: data.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: data.dlq.queueUrl });
    new CfnOutput(this, 'PineconeKeySecretArn', { value: data.pineconeKey.secretArn });
  }

  private dataStores(settings: S.DeploymentSettings): Data {
    const bucket = new s3.Bucket(this, 'Photos', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
      // Presigned PUTs from the studio dashboard come from browsers.
      cors: [{ allowedMethods: [s3.HttpMethods.PUT], allowedOrigins: ['*'], allowedHeaders: ['*'], maxAge: 3600 }],
      lifecycleRules: [
        { id: 'expire-selfies', prefix: S.SELFIE_PREFIX, expiration: Duration.days(S.SELFIE_EXPIRY_DAYS) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    const dlq = new sqs.Queue(this, 'IngestDlq', {
      retentionPeriod: Duration.days(S.DLQ_RETENTION_DAYS),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new sqs.Queue(this, 'IngestQueue', {
      visibilityTimeout: Duration.seconds(S.QUEUE_VISIBILITY_SECONDS),
      retentionPeriod: Duration.days(4),
      receiveMessageWaitTime: Duration.seconds(20),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: dlq, maxReceiveCount: S.MAX_RECEIVE_COUNT },
    });
    const database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_13 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM),
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      databaseName: DB_NAME,
      credentials: rds.Credentials.fromGeneratedSecret('facerec'),
      multiAz: settings.databaseMultiAz,
      allocatedStorage: 50,
      storageType: rds.StorageType.GP3,
      maxAllocatedStorage: 500,
      storageEncrypted: true,
      backupRetention: Duration.days(7),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ['postgresql'],
    });
    const pineconeKey = new secretsmanager.Secret(this, 'PineconeApiKey', {
      description: 'Pinecone API key (put the real value after the first deploy; see docs/operations.md)',
    });
    // 64 lowercase hex characters = the 32-byte key FACEREC_SERVER_KEY expects.
    const serverKey = new secretsmanager.Secret(this, 'ServerKey', {
      description: 'FACEREC_SERVER_KEY: seals API key secrets at rest',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, excludeUppercase: true, excludeCharacters: 'ghijklmnopqrstuvwxyz', includeSpace: false },
    });
    return { bucket, queue, dlq, database, pineconeKey, serverKey };
  }

  /** Variables both processes read, besides the secrets (names from apps/gateway/src/config.ts). */
  private commonEnvironment(settings: S.DeploymentSettings, data: Data): Record<string, string> {
    return {
      FACEREC_MODE: 'production',
      POSTGRES_HOST: data.database.dbInstanceEndpointAddress,
      POSTGRES_PORT: data.database.dbInstanceEndpointPort,
      POSTGRES_DB: DB_NAME,
      VECTOR_INDEX: 'pinecone',
      PINECONE_INDEX_HOST: settings.pineconeIndexHost,
      FACEREC_BLOB_STORE: 's3',
      S3_BUCKET: data.bucket.bucketName,
      FACEREC_QUEUE: 'sqs',
      SQS_QUEUE_URL: data.queue.queueUrl,
      SQS_DLQ_URL: data.dlq.queueUrl,
      // The app marks a photo failed on its last receive: it must agree with the redrive policy.
      QUEUE_MAX_RECEIVES: String(S.MAX_RECEIVE_COUNT),
      QUEUE_VISIBILITY_TIMEOUT_SECONDS: String(S.QUEUE_VISIBILITY_SECONDS),
      QUEUE_WAIT_SECONDS: '20',
      AWS_REGION: this.region,
      LOG_LEVEL: 'info',
    };
  }

  private workerFleet(settings: S.DeploymentSettings, data: Data): autoscaling.AutoScalingGroup {
    const role = new iam.Role(this, 'WorkerRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'facerec worker: read photos, consume the ingest queue',
      // Session Manager instead of SSH: no key pairs, no open port 22.
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadPhotos', actions: ['s3:GetObject'], resources: [data.bucket.arnForObjects('*')] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ConsumeQueue',
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      resources: [data.queue.queueArn],
    }));
    this.allowImagePull(role, settings.workerImage);
    const secrets = [data.database.secret, data.pineconeKey, data.serverKey].filter((s): s is secretsmanager.ISecret => s !== undefined);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secrets.map((s) => s.secretArn) }));
    const logGroup = new logs.LogGroup(this, 'WorkerLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }));

    const securityGroup = new ec2.SecurityGroup(this, 'WorkerSg', { vpc: this.vpc, description: 'facerec workers: outbound only', allowAllOutbound: true });
    data.database.connections.allowDefaultPortFrom(securityGroup, 'workers to Postgres');
    const launchTemplate = new ec2.LaunchTemplate(this, 'WorkerTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      instanceType: new ec2.InstanceType(S.WORKER_INSTANCE_TYPE),
      role,
      securityGroup,
      requireImdsv2: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
      userData: workerUserData({
        image: settings.workerImage,
        region: this.region,
        logGroup: logGroup.logGroupName,
        environment: { ...this.commonEnvironment(settings, data), FACEREC_THREADS: String(S.WORKER_THREADS) },
        secrets: {
          POSTGRES_USER: { arn: data.database.secret?.secretArn ?? '', field: 'username' },
          POSTGRES_PASSWORD: { arn: data.database.secret?.secretArn ?? '', field: 'password' },
          PINECONE_API_KEY: { arn: data.pineconeKey.secretArn },
          // The worker loads the production config, which insists on the key even though workers never open API keys.
          FACEREC_SERVER_KEY: { arn: data.serverKey.secretArn },
        },
      }),
    });
    const asg = new autoscaling.AutoScalingGroup(this, 'Workers', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      minCapacity: S.WORKER_MIN_CAPACITY,
      maxCapacity: S.WORKER_MAX_CAPACITY,
      mixedInstancesPolicy: {
        launchTemplate,
        launchTemplateOverrides: [{ instanceType: new ec2.InstanceType(S.WORKER_INSTANCE_TYPE) }],
        instancesDistribution: {
          onDemandBaseCapacity: S.WORKER_ON_DEMAND_BASE,
          onDemandPercentageAboveBaseCapacity: S.WORKER_ON_DEMAND_PERCENT_ABOVE_BASE,
          onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
          spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
        },
      },
      // Replace a spot instance proactively when AWS signals an elevated interruption risk.
      capacityRebalance: true,
      groupMetrics: [autoscaling.GroupMetrics.all()],
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.seconds(S.WORKER_WARMUP_SECONDS) }),
    });
    asg.scaleOnMetric('QueueDepthScaling', {
      metric: data.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      scalingSteps: [
        { upper: S.SCALE_IN_THRESHOLD, change: -1 },
        { lower: S.SCALE_OUT_THRESHOLD + 1, change: +1 },
        { lower: S.SCALE_OUT_BIG_THRESHOLD + 1, change: +2 },
      ],
      evaluationPeriods: S.SCALING_EVALUATION_MINUTES,
      estimatedInstanceWarmup: Duration.seconds(S.WORKER_WARMUP_SECONDS),
    });
    return asg;
  }

  /** ECR pull for a private image; public images need nothing. */
  private allowImagePull(role: iam.Role, image: string): void {
    const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(image);
    if (!ecr) return;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'EcrToken', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EcrPull',
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      resources: [`arn:aws:ecr:${ecr[2]}:${ecr[1]}:repository/${ecr[3]}`],
    }));
  }

  private gatewayService(settings: S.DeploymentSettings, data: Data): ecsPatterns.ApplicationLoadBalancedFargateService {
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const taskRole = new iam.Role(this, 'GatewayTaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'facerec gateway: store uploaded photos, enqueue them',
    });
    taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WritePhotos', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [data.bucket.arnForObjects('*')] }));
    taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SendQueue', actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], resources: [data.queue.queueArn] }));
    const dbSecret = data.database.secret;
    if (!dbSecret) throw new Error('the RDS instance was created without a generated secret');
    const certificate = settings.certificateArn ? acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn) : undefined;
    const service = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Gateway', {
      cluster,
      cpu: S.GATEWAY_CPU,
      memoryLimitMiB: S.GATEWAY_MEMORY_MIB,
      desiredCount: S.GATEWAY_MIN_TASKS,
      publicLoadBalancer: true,
      ...(certificate ? { certificate, protocol: elbv2.ApplicationProtocol.HTTPS, redirectHTTP: true, sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS } : {}),
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      taskImageOptions: {
        image: ecs.ContainerImage.fromRegistry(settings.gatewayImage),
        containerName: 'gateway',
        containerPort: S.GATEWAY_PORT,
        taskRole,
        environment: { ...this.commonEnvironment(settings, data), HOST: '0.0.0.0', PORT: String(S.GATEWAY_PORT), TRUST_PROXY: 'true', FACEREC_THREADS: String(S.GATEWAY_CPU / 1024) },
        secrets: {
          POSTGRES_USER: ecs.Secret.fromSecretsManager(dbSecret, 'username'),
          POSTGRES_PASSWORD: ecs.Secret.fromSecretsManager(dbSecret, 'password'),
          PINECONE_API_KEY: ecs.Secret.fromSecretsManager(data.pineconeKey),
          FACEREC_SERVER_KEY: ecs.Secret.fromSecretsManager(data.serverKey),
        },
        logDriver: ecs.LogDrivers.awsLogs({ streamPrefix: 'gateway', logRetention: logs.RetentionDays.ONE_MONTH }),
      },
    });
    service.targetGroup.configureHealthCheck({ path: '/readyz', healthyHttpCodes: '200', interval: Duration.seconds(15), healthyThresholdCount: 2, unhealthyThresholdCount: 3 });
    // Long enough for in-flight album uploads to finish (SHUTDOWN_TIMEOUT_SECONDS is 30).
    service.targetGroup.setAttribute('deregistration_delay.timeout_seconds', '45');
    data.database.connections.allowDefaultPortFrom(service.service, 'gateway to Postgres');
    const scaling = service.service.autoScaleTaskCount({ minCapacity: S.GATEWAY_MIN_TASKS, maxCapacity: S.GATEWAY_MAX_TASKS });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: S.GATEWAY_CPU_TARGET_PERCENT });
    return service;
  }

  private monitoring(data: Data, topic: sns.Topic): void {
    const action = new cwActions.SnsAction(topic);
    const minute = Duration.minutes(1);
    const dlqVisible = data.dlq.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM });
    const dlqAlarm = dlqVisible.createAlarm(this, 'DlqNotEmpty', {
      alarmDescription: 'A photo failed MAX_RECEIVE_COUNT times and is in the dead-letter queue (docs/operations.md: The DLQ)',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const oldest = data.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: cloudwatch.Stats.MAXIMUM });
    const ageAlarm = oldest.createAlarm(this, 'OldestMessageAge', {
      alarmDescription: `A queued photo has waited more than ${S.OLDEST_MESSAGE_AGE_ALARM_SECONDS} s: workers are down, stuck or saturated`,
      threshold: S.OLDEST_MESSAGE_AGE_ALARM_SECONDS,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const alb = this.gateway.loadBalancer.metrics;
    const fiveMinutes = Duration.minutes(5);
    const errorRate = new cloudwatch.MathExpression({
      label: 'ALB 5xx %',
      expression: '100 * (target5xx + elb5xx) / requests',
      usingMetrics: {
        target5xx: alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        elb5xx: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        requests: alb.requestCount({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      },
      period: fiveMinutes,
    });
    const errorAlarm = errorRate.createAlarm(this, 'Alb5xxRate', {
      alarmDescription: `More than ${S.ALB_5XX_RATE_ALARM_PERCENT} % of gateway requests answered 5xx for 10 minutes`,
      threshold: S.ALB_5XX_RATE_ALARM_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [dlqAlarm, ageAlarm, errorAlarm]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.dashboard(data, { dlqAlarm, ageAlarm, errorAlarm, errorRate });
  }

  private dashboard(data: Data, m: { dlqAlarm: cloudwatch.Alarm; ageAlarm: cloudwatch.Alarm; errorAlarm: cloudwatch.Alarm; errorRate: cloudwatch.MathExpression }): void {
    const minute = Duration.minutes(1);
    const asgMetric = (name: string) => new cloudwatch.Metric({ namespace: 'AWS/AutoScaling', metricName: name, dimensionsMap: { AutoScalingGroupName: this.workers.autoScalingGroupName }, period: minute, statistic: cloudwatch.Stats.MAXIMUM });
    const alb = this.gateway.loadBalancer.metrics;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${this.stackName}-facerec` });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [m.dlqAlarm, m.ageAlarm, m.errorAlarm], width: 24, height: 3 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ingest queue',
        left: [data.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM }), data.queue.metricApproximateNumberOfMessagesNotVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM })],
        leftAnnotations: [{ value: S.SCALE_OUT_THRESHOLD, label: 'scale out' }, { value: S.SCALE_IN_THRESHOLD, label: 'scale in' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Oldest message age (s)', left: [data.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: cloudwatch.Stats.MAXIMUM })], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Dead-letter queue', left: [data.dlq.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM })], width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Workers in service', left: [asgMetric('GroupInServiceInstances'), asgMetric('GroupDesiredCapacity')], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Gateway requests / latency', left: [alb.requestCount({ period: minute })], right: [alb.targetResponseTime({ period: minute, statistic: cloudwatch.Stats.p(95) })], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Gateway 5xx %', left: [m.errorRate], width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Gateway tasks CPU / memory %', left: [this.gateway.service.metricCpuUtilization(), this.gateway.service.metricMemoryUtilization()], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Postgres CPU % / connections', left: [data.database.metricCPUUtilization()], right: [data.database.metricDatabaseConnections()], width: 12 }),
    );
  }
}
