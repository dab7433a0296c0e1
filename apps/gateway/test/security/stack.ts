/**
 * The security tests' stack: the real embedded gateway (PGlite, files, table queue, local vector
 * index, the in-process album worker, the real engine on one thread) in a temporary data dir, with
 * every log line captured at debug level, and two studios: A (the first-start key) and B.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { loadGatewayConfig, startGateway, type RunningGateway } from '../../src/index.js';
import { embeddedTestEnv, LogCapture } from '../harness.js';

export interface Studio {
  tenantId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The REST Authorization header value. */
  authorization: string;
  sdk: RekognitionClient;
}

export interface SecurityStack {
  gateway: RunningGateway;
  url: string;
  dataDir: string;
  logs: LogCapture;
  a: Studio;
  b: Studio;
  close(): Promise<void>;
}

export function sdkClient(url: string, accessKeyId: string, secretAccessKey: string): RekognitionClient {
  return new RekognitionClient({ endpoint: url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId, secretAccessKey } });
}

export async function startSecurityStack(env: Record<string, string> = {}): Promise<SecurityStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'facerec-security-'));
  const logs = new LogCapture();
  const config = loadGatewayConfig(embeddedTestEnv(dataDir, { LOG_LEVEL: 'debug', ...env }));
  const gateway = await startGateway(config, { logDestination: logs, notice: () => undefined });
  const initial = gateway.initialKey;
  assert.ok(initial, 'the first embedded start creates studio A and its key');
  const tenantB = await gateway.repos.tenants.create({ name: 'studio-b' });
  const keyB = await gateway.repos.apiKeys.create(tenantB.id, 'b');
  const keyA = await gateway.repos.apiKeys.findActive(initial.accessKeyId);
  assert.ok(keyA);
  const studio = (tenantId: string, accessKeyId: string, secretAccessKey: string): Studio => ({
    tenantId,
    accessKeyId,
    secretAccessKey,
    authorization: `Bearer ${accessKeyId}:${secretAccessKey}`,
    sdk: sdkClient(gateway.url, accessKeyId, secretAccessKey),
  });
  return {
    gateway,
    url: gateway.url,
    dataDir,
    logs,
    a: studio(keyA.tenantId, initial.accessKeyId, initial.secretAccessKey),
    b: studio(tenantB.id, keyB.accessKeyId, keyB.secretAccessKey),
    close: async () => {
      await gateway.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A REST call's outcome, reduced to what a client can observe. */
export interface Outcome {
  status: number;
  /** The error code, or 'ok'. */
  code: string;
  body: unknown;
}

export async function restCall(url: string, authorization: string | undefined, method: string, route: string, body?: FormData | object): Promise<Outcome> {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  let payload: FormData | string | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${url}${route}`, { method: method.toUpperCase(), headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON (a photo, a page): keep the text
  }
  const code = res.ok ? 'ok' : String((parsed as { code?: unknown } | undefined)?.code ?? res.status);
  return { status: res.status, code, body: parsed };
}

/** One multipart form with an image under each named file field. */
export function imageForm(fields: readonly string[], bytes: Uint8Array, extra: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const field of fields) form.append(field, new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), `${field}.jpg`);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return form;
}
