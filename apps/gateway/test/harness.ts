/**
 * Starts the gateway app on 127.0.0.1:0 over a FakeFaceApi and a real API key repository on an
 * in-memory PGlite, with logs captured in memory.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createRepositories, openPGliteTestDatabase, SecretBox, type IssuedApiKey, type Repositories, type TestDatabase } from '@facerec/db';
import { createApp, type AppDeps, type GatewayApp } from '../src/app.js';
import { createLogger } from '../src/observability/logger.js';
import type { ReadinessCheck } from '../src/observability/health.js';
import { FakeFaceApi } from './fake-face-api.js';

/**
 * Settings for a whole embedded gateway (`startGateway`) in `dataDir`: a free port, warnings only,
 * one engine thread, a one-second queue poll, and the model cache and set of this test run passed
 * through. `overrides` come last.
 */
export function embeddedTestEnv(dataDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    FACEREC_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    FACEREC_THREADS: '1',
    QUEUE_WAIT_SECONDS: '1',
    ...(process.env.FACEREC_MODEL_CACHE ? { FACEREC_MODEL_CACHE: process.env.FACEREC_MODEL_CACHE } : {}),
    ...(process.env.FACEREC_MODEL_SET ? { FACEREC_MODEL_SET: process.env.FACEREC_MODEL_SET } : {}),
    ...overrides,
  };
}

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface Harness {
  url: string;
  fake: FakeFaceApi;
  gateway: GatewayApp;
  db: TestDatabase;
  repos: Repositories;
  tenantId: string;
  key: IssuedApiKey;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<AppDeps> & { checks?: readonly ReadinessCheck[] } = {}): Promise<Harness> {
  const db = await openPGliteTestDatabase();
  const repos = createRepositories(db.db, new SecretBox(SecretBox.generateKey()));
  const tenant = await repos.tenants.create({ name: 'studio-a' });
  const key = await repos.apiKeys.create(tenant.id, 'test');
  const fake = new FakeFaceApi();
  const logs = new LogCapture();
  const gateway = createApp({
    api: fake.api,
    keys: repos.apiKeys,
    logger: createLogger('info', logs),
    jsonBodyLimitBytes: 8 * 1024 * 1024,
    uploadFileLimitBytes: 1024 * 1024,
    sigv4: { regions: ['*'], clockSkewSeconds: 300 },
    ...overrides,
  });
  const server = await listen(gateway.app);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fake,
    gateway,
    db,
    repos,
    tenantId: tenant.id,
    key,
    logs,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.dispose();
    },
  };
}

function listen(app: GatewayApp['app']): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
    // Keep-alive sockets from fetch/the SDK would hold close() open.
    server.keepAliveTimeout = 100;
  });
}
