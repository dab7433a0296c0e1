import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError } from '@facerec/core';
import { GATEWAY_ENV_VARS, loadGatewayConfig, renderEnvExample } from './config.js';

test('defaults: embedded, PGlite under the data dir, local index, port 8080', () => {
  const config = loadGatewayConfig({});
  assert.equal(config.mode, 'embedded');
  assert.equal(config.port, 8080);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.dataDir, path.resolve('.facerec/data'));
  assert.deepEqual(config.database, { kind: 'pglite', dataDir: `${path.resolve('.facerec/data')}/pglite` });
  assert.equal(config.vectorIndex, 'local');
  assert.equal(config.jsonBodyLimitBytes, 8 * 1024 * 1024);
  assert.equal(config.uploadFileLimitBytes, 15 * 1024 * 1024);
  assert.equal(config.sigv4ClockSkewSeconds, 300);
  assert.deepEqual(config.sigv4Regions, ['*']);
});

test('production needs Postgres and a server key', () => {
  assert.throws(() => loadGatewayConfig({ FACEREC_MODE: 'production' }), ConfigError);
  assert.throws(() => loadGatewayConfig({ FACEREC_MODE: 'production', POSTGRES_HOST: 'db' }), /FACEREC_SERVER_KEY/);
  const config = loadGatewayConfig({ FACEREC_MODE: 'production', POSTGRES_HOST: 'db', FACEREC_SERVER_KEY: 'k' });
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.database.kind, 'postgres');
});

test('pgvector on PGlite loads the extension; pinecone needs its key and host', () => {
  const config = loadGatewayConfig({ VECTOR_INDEX: 'pgvector' });
  assert.equal(config.database.kind === 'pglite' && config.database.vector, true);
  assert.throws(() => loadGatewayConfig({ VECTOR_INDEX: 'pinecone' }), /PINECONE_API_KEY/);
  assert.throws(() => loadGatewayConfig({ VECTOR_INDEX: 'milvus' }), /VECTOR_INDEX/);
  assert.deepEqual(loadGatewayConfig({ SIGV4_REGIONS: 'us-east-1, eu-west-1' }).sigv4Regions, ['us-east-1', 'eu-west-1']);
});

test('the env example documents every variable', () => {
  const text = renderEnvExample();
  for (const v of GATEWAY_ENV_VARS) assert.ok(text.includes(`# ${v.name}=`), v.name);
});
