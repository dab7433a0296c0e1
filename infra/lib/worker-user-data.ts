/**
 * Boot script of a worker instance (Amazon Linux 2023): Docker, the environment file with the
 * secrets fetched by the instance role, and a systemd unit that runs the worker image and gives it
 * time to finish its batch on scale-in or spot interruption (SIGTERM → graceful drain).
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';

export interface SecretRef {
  arn: string;
  /** A JSON field of the secret (RDS secrets are JSON); the whole string when absent. */
  field?: string;
}

export interface WorkerBootOptions {
  image: string;
  region: string;
  logGroup: string;
  environment: Record<string, string>;
  secrets: Record<string, SecretRef>;
}

const ENV_FILE = '/etc/facerec/worker.env';
const CONTAINER = 'facerec-worker';
/** Seconds docker waits after SIGTERM; the worker releases unfinished messages before that. */
export const WORKER_STOP_SECONDS = 90;

export function workerBootCommands(o: WorkerBootOptions): string[] {
  const envLines = Object.entries(o.environment).map(([k, v]) => `${k}=${v}`);
  const secretLines = Object.entries(o.secrets).map(([name, ref]) => {
    const read = `aws secretsmanager get-secret-value --region ${o.region} --secret-id '${ref.arn}' --query SecretString --output text`;
    return `echo "${name}=$(${read}${ref.field ? ` | jq -r '.${ref.field}'` : ''})" >> ${ENV_FILE}`;
  });
  return [
    'set -euo pipefail',
    'dnf install -y docker jq',
    'systemctl enable --now docker',
    `install -d -m 700 /etc/facerec`,
    `cat > ${ENV_FILE} <<'ENV'`,
    ...envLines,
    'ENV',
    ...secretLines,
    `chmod 600 ${ENV_FILE}`,
    ...ecrLogin(o),
    `docker pull ${o.image}`,
    `cat > /etc/systemd/system/${CONTAINER}.service <<'UNIT'`,
    ...systemdUnit(o),
    'UNIT',
    'systemctl daemon-reload',
    `systemctl enable --now ${CONTAINER}`,
  ];
}

function ecrLogin(o: WorkerBootOptions): string[] {
  const registry = /^(\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com)\//.exec(o.image)?.[1];
  if (!registry) return [];
  return [`aws ecr get-login-password --region ${o.region} | docker login --username AWS --password-stdin ${registry}`];
}

function systemdUnit(o: WorkerBootOptions): string[] {
  const run = [
    '/usr/bin/docker run --rm',
    `--name ${CONTAINER}`,
    `--env-file ${ENV_FILE}`,
    `--stop-timeout ${WORKER_STOP_SECONDS}`,
    '--log-driver awslogs',
    `--log-opt awslogs-region=${o.region}`,
    `--log-opt awslogs-group=${o.logGroup}`,
    o.image,
  ].join(' ');
  return [
    '[Unit]',
    'Description=facerec worker (queue consumer)',
    'After=docker.service network-online.target',
    'Requires=docker.service',
    '[Service]',
    'Restart=always',
    'RestartSec=5',
    `ExecStartPre=-/usr/bin/docker rm -f ${CONTAINER}`,
    `ExecStart=${run}`,
    `ExecStop=/usr/bin/docker stop -t ${WORKER_STOP_SECONDS} ${CONTAINER}`,
    `TimeoutStopSec=${WORKER_STOP_SECONDS + 30}`,
    '[Install]',
    'WantedBy=multi-user.target',
  ];
}

export function workerUserData(o: WorkerBootOptions): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(...workerBootCommands(o));
  return userData;
}
