// Static checks of docker-compose.yml (no Docker engine here) and the ElasticMQ queue config.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { GATEWAY_ENV_VARS } from '../../apps/gateway/src/config.js';
import { INFRA_DIR } from '../lib/app.js';
import { MAX_RECEIVE_COUNT } from '../lib/settings.js';
import { PRODUCTION_VARS, unknownEnvVars } from './env-names.js';

const ROOT = path.resolve(INFRA_DIR, '..');
const COMPOSE_TEXT = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  container_name?: string;
  stop_grace_period?: string;
}
// `merge: true` resolves the `<<: *facerec-env` keys the way Compose does.
const compose = parse(COMPOSE_TEXT, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const PORT_DEFAULT = GATEWAY_ENV_VARS.find((v) => v.name === 'PORT')?.default;
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);

describe('docker-compose.yml', () => {
  test('the services: pgvector Postgres, MinIO, ElasticMQ, migrate, gateway, worker', () => {
    for (const name of ['postgres', 'minio', 'minio-init', 'elasticmq', 'migrate', 'gateway', 'worker']) assert.ok(services[name], name);
    assert.match(services.postgres.image ?? '', /^pgvector\/pgvector:pg\d+$/);
    assert.match(services.minio.image ?? '', /minio\/minio:RELEASE\./);
    assert.match(services.elasticmq.image ?? '', /^softwaremill\/elasticmq-native:\d+\.\d+\.\d+$/);
    for (const s of Object.values(services)) if (s.image) assert.ok(!s.image.endsWith(':latest'), `${s.image} is pinned`);
  });

  test('gateway and worker build from deploy/*.Dockerfile', () => {
    for (const [name, file] of [['gateway', 'deploy/gateway.Dockerfile'], ['migrate', 'deploy/gateway.Dockerfile'], ['worker', 'deploy/worker.Dockerfile']] as const) {
      assert.deepEqual(services[name].build, { context: '.', dockerfile: file });
      assert.ok(existsSync(path.join(ROOT, file)), file);
    }
    assert.deepEqual(services.migrate.command, ['migrate', 'up']);
  });

  test('gateway and worker run the production adapters with known variable names', () => {
    for (const name of ['gateway', 'worker', 'migrate']) {
      const env = services[name].environment ?? {};
      assert.deepEqual(unknownEnvVars(Object.keys(env)), [], name);
      for (const v of PRODUCTION_VARS) assert.ok(v in env, `${name} sets ${v}`);
      assert.equal(env.FACEREC_MODE, 'production');
      assert.equal(env.FACEREC_BLOB_STORE, 's3');
      assert.equal(env.FACEREC_QUEUE, 'sqs');
      assert.equal(env.S3_ENDPOINT, 'http://minio:9000');
      assert.match(env.SQS_QUEUE_URL, /^http:\/\/elasticmq:9324\//);
      assert.equal(env.POSTGRES_HOST, 'postgres');
    }
    // Compose stops with this message instead of starting a gateway that cannot seal keys.
    assert.match(COMPOSE_TEXT, /FACEREC_SERVER_KEY: \$\{FACEREC_SERVER_KEY:\?/);
  });

  test("the gateway publishes the app's PORT and both processes have health checks", () => {
    const env = services.gateway.environment ?? {};
    assert.equal(env.PORT, PORT_DEFAULT);
    assert.ok((services.gateway.ports ?? []).some((p) => p.endsWith(`:${PORT_DEFAULT}`)));
    for (const name of ['postgres', 'minio', 'gateway', 'worker']) {
      const test = services[name].healthcheck?.test;
      assert.ok(Array.isArray(test) && test.length > 1, `${name} has a health check`);
    }
    assert.ok(services.gateway.healthcheck?.test?.join(' ').includes(`127.0.0.1:${PORT_DEFAULT}/healthz`));
    assert.ok(services.worker.healthcheck?.test?.join(' ').includes(`127.0.0.1:${services.worker.environment?.PORT}/healthz`));
  });

  test('the worker scales: no container name, no host ports', () => {
    assert.equal(services.worker.container_name, undefined);
    assert.equal(services.worker.ports, undefined);
    assert.ok(services.worker.stop_grace_period);
  });

  test('depends_on uses conditions: healthy stores, migrations done before the apps', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, spec] of Object.entries(s.depends_on ?? {})) {
        assert.ok(services[dep], `${name} depends on a defined service ${dep}`);
        assert.ok(CONDITIONS.has(spec.condition), `${name} → ${dep}: ${spec.condition}`);
        if (spec.condition === 'service_healthy') assert.ok(services[dep].healthcheck?.test, `${dep} needs a health check to be waited on`);
      }
    }
    assert.equal(services.migrate.depends_on?.postgres.condition, 'service_healthy');
    for (const app of ['gateway', 'worker']) {
      assert.equal(services[app].depends_on?.migrate.condition, 'service_completed_successfully');
      assert.equal(services[app].depends_on?.['minio-init'].condition, 'service_completed_successfully');
    }
  });

  test('named volumes are declared; bind mounts exist', () => {
    for (const s of Object.values(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        if (source.startsWith('.')) assert.ok(existsSync(path.join(ROOT, source)), source);
        else assert.ok(source in compose.volumes, `volume ${source} declared`);
      }
    }
  });
});

describe('deploy/elasticmq.conf', () => {
  const conf = readFileSync(path.join(ROOT, 'deploy/elasticmq.conf'), 'utf8');
  test('the queues the compose URLs name exist, with the DLQ after 5 receives like on AWS', () => {
    const env = services.gateway.environment ?? {};
    const queue = env.SQS_QUEUE_URL.split('/').at(-1) as string;
    const dlq = env.SQS_DLQ_URL.split('/').at(-1) as string;
    assert.match(conf, new RegExp(`^  ${queue} \\{`, 'm'));
    assert.match(conf, new RegExp(`^  ${dlq} \\{`, 'm'));
    assert.match(conf, new RegExp(`deadLettersQueue \\{\\s*name = "${dlq}"\\s*maxReceiveCount = ${MAX_RECEIVE_COUNT}\\s*\\}`));
    assert.equal(env.QUEUE_MAX_RECEIVES, String(MAX_RECEIVE_COUNT));
    assert.match(conf, new RegExp(`defaultVisibilityTimeout = ${env.QUEUE_VISIBILITY_TIMEOUT_SECONDS} seconds`));
    assert.equal(env.SQS_ENDPOINT, 'http://elasticmq:9324');
    assert.equal(env.S3_FORCE_PATH_STYLE, 'true', 'MinIO needs path-style URLs');
    const account = /accountId = (\d+)/.exec(conf)?.[1];
    assert.ok(env.SQS_QUEUE_URL.includes(`/${account}/`));
  });
});
