/**
 * Security promise 4: API key secrets are stored hashed (plus sealed for SigV4), never in plain
 * text, on real Postgres and in the embedded data dir; and no secret, bearer token or
 * Authorization header value ever reaches the logs. The log check captures every pino line (at
 * debug level) of a session that creates keys, signs AWS requests, uses bearer tokens, fails auth
 * with wrong secrets, uploads and searches an album, and revokes a key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as R from '@aws-sdk/client-rekognition';
import { connect, createRepositories, openPostgresTestDatabase, SecretBox, sql, type Kysely, type Database } from '@facerec/db';
import { sharedFace } from '@facerec/face/testing';
import { createLogger, INITIAL_KEY_FILE, loadGatewayConfig, resolveServerKey } from '../../src/index.js';
import { LogCapture } from '../harness.js';
import { signedFetch } from '../signing.js';
import { imageForm, restCall, sdkClient, startSecurityStack, type SecurityStack } from './stack.js';

/** Every way a secret could be written down: as is, base64, hex, URL-encoded. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('base64'), bytes.toString('hex'), encodeURIComponent(secret)];
}

async function apiKeyRows(db: Kysely<Database>): Promise<Record<string, unknown>[]> {
  const result = await sql<Record<string, unknown>>`select * from api_keys`.execute(db);
  return result.rows;
}

function assertStoredHashed(rows: readonly Record<string, unknown>[], keys: readonly { accessKeyId: string; secretAccessKey: string }[], box: SecretBox): void {
  for (const key of keys) {
    const row = rows.find((r) => r.access_key_id === key.accessKeyId);
    assert.ok(row, `a row for ${key.accessKeyId}`);
    assert.equal(row.secret_hash, createHash('sha256').update(key.secretAccessKey).digest('hex'));
    const everything = JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    for (const form of encodings(key.secretAccessKey)) assert.ok(!everything.includes(form), `the row holds no plain form of the secret of ${key.accessKeyId}`);
    const sealed = Buffer.from(row.secret_ciphertext as Uint8Array);
    assert.equal(box.open(sealed, key.accessKeyId), key.secretAccessKey, 'the server key opens the sealed copy');
    assert.throws(() => new SecretBox(SecretBox.generateKey()).open(sealed, key.accessKeyId), 'another key does not');
    assert.throws(() => box.open(sealed, 'FRKOTHERKEYOTHERKEY0'), 'the sealed copy is bound to its own access key id');
  }
}

describe('API keys are stored hashed on Postgres (127.0.0.1:5432)', () => {
  test('rows hold the SHA-256 and an AES-GCM sealed copy, never the secret', async () => {
    const db = await openPostgresTestDatabase();
    try {
      const box = new SecretBox(SecretBox.generateKey());
      const repos = createRepositories(db.db, box);
      const tenant = await repos.tenants.create({ name: 'studio' });
      const keys = [await repos.apiKeys.create(tenant.id, 'one'), await repos.apiKeys.create(tenant.id, 'two')];
      assertStoredHashed(await apiKeyRows(db.db), keys, box);
      assert.ok(await repos.apiKeys.verifySecret(keys[0].accessKeyId, keys[0].secretAccessKey));
      assert.equal(await repos.apiKeys.verifySecret(keys[0].accessKeyId, keys[1].secretAccessKey), undefined);
    } finally {
      await db.dispose();
    }
  });
});

describe('a whole session on the embedded gateway: keys hashed at rest, no secret or share token in any log line', () => {
  let stack: SecurityStack;
  const secrets: string[] = [];
  const headerValues: string[] = [];
  /** Storefront links are capabilities: whoever has one may search the album and fetch its photos. */
  const shareTokens: string[] = [];
  let spare: { accessKeyId: string; secretAccessKey: string };

  before(async () => {
    stack = await startSecurityStack();
    secrets.push(stack.a.secretAccessKey, stack.b.secretAccessKey);
    headerValues.push(stack.a.authorization, stack.b.authorization);
  });

  after(async () => {
    await stack?.close();
  });

  test('the session: SigV4 and bearer calls, wrong secrets, an album, a storefront search, key rotation', async () => {
    const { a, b, url } = stack;
    spare = await stack.gateway.repos.apiKeys.create(a.tenantId, 'rotation');
    secrets.push(spare.secretAccessKey);
    await a.sdk.send(new R.CreateCollectionCommand({ CollectionId: 'logged' }));
    const obama = await sharedFace('dev/barack_obama/1.jpg');
    await a.sdk.send(new R.IndexFacesCommand({ CollectionId: 'logged', Image: { Bytes: obama }, ExternalImageId: 'obama' }));
    await sdkClient(url, spare.accessKeyId, spare.secretAccessKey).send(new R.ListCollectionsCommand({}));
    // Signatures the gateway saw, to look for in the logs too.
    const signed = await signedFetch({ url, target: 'RekognitionService.ListCollections', body: '{}', accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey });
    assert.equal(signed.status, 200);
    const wrongSecret = 'WrongSecretWrongSecretWrongSecretWrong00';
    secrets.push(wrongSecret);
    const refused = await sdkClient(url, a.accessKeyId, wrongSecret).send(new R.ListCollectionsCommand({})).catch((e: unknown) => e);
    assert.equal((refused as Error).name, 'InvalidSignatureException');
    for (const authorization of [a.authorization, `Bearer ${a.accessKeyId}:${wrongSecret}`, `Bearer ${a.secretAccessKey}`, b.authorization]) {
      headerValues.push(authorization);
      await restCall(url, authorization, 'get', '/api/v1/collections');
      await restCall(url, authorization, 'post', '/api/v1/collections/logged/search-faces', imageForm(['file'], obama));
    }
    const album = (await restCall(url, a.authorization, 'post', '/api/v1/albums', { name: 'Logged' })).body as { albumId: string; shareToken: string };
    await restCall(url, a.authorization, 'post', `/api/v1/albums/${album.albumId}/photos`, imageForm(['files'], obama));
    await restCall(url, a.authorization, 'patch', `/api/v1/albums/${album.albumId}`, { selfieSearch: true });
    await restCall(url, undefined, 'post', `/api/v1/public/albums/${album.shareToken}/search`, imageForm(['file'], obama));
    await restCall(url, undefined, 'get', `/api/v1/public/albums/${album.shareToken}`);
    await fetch(`${url}/s/${album.shareToken}`);
    shareTokens.push(album.shareToken);
    // Rotation: a new key works, the old one is revoked and refused.
    const next = await stack.gateway.repos.apiKeys.create(a.tenantId, 'rotated');
    secrets.push(next.secretAccessKey);
    await stack.gateway.repos.apiKeys.revoke(a.tenantId, spare.accessKeyId);
    assert.equal((await restCall(url, `Bearer ${next.accessKeyId}:${next.secretAccessKey}`, 'get', '/api/v1/collections')).status, 200);
    const old = await sdkClient(url, spare.accessKeyId, spare.secretAccessKey).send(new R.ListCollectionsCommand({})).catch((e: unknown) => e);
    assert.equal((old as Error).name, 'UnrecognizedClientException');
    headerValues.push(`Bearer ${next.accessKeyId}:${next.secretAccessKey}`);
  });

  test('no log line holds a secret, a bearer token, an Authorization header value or a share token', () => {
    const text = stack.logs.text();
    const records = stack.logs.records();
    assert.ok(records.length > 20, `the session was logged (${records.length} lines)`);
    assert.ok(records.some((r) => r.accessKeyId === stack.a.accessKeyId), 'access key ids are logged (they are not secret)');
    assert.ok(records.some((r) => r.level === 30 && r.api === 'aws'), 'info-level access lines of AWS calls');
    for (const secret of secrets) for (const form of encodings(secret)) assert.ok(!text.includes(form), `a secret (${form.slice(0, 4)}…) is in the logs`);
    for (const value of headerValues) assert.ok(!text.includes(value), `an Authorization value (${value.slice(0, 12)}…) is in the logs`);
    assert.equal(shareTokens.length, 1);
    for (const token of shareTokens) assert.ok(!text.includes(token), `a storefront share token is in the logs: ${stack.logs.lines.filter((l) => l.includes(token)).join('\n')}`);
    assert.ok(records.some((r) => r.path === '/api/v1/public/albums/:shareToken/search'), 'storefront lines name the route instead');
    assert.ok(!/AWS4-HMAC-SHA256|Signature=[0-9a-f]{16}|Bearer /.test(text), 'no Authorization header content at all');
    assert.ok(!records.some((r) => 'headers' in r || 'authorization' in r || 'body' in r), 'no headers or bodies in the log records');
  });

  test('a handler that logs a request object still has its Authorization redacted', () => {
    const capture = new LogCapture();
    const logger = createLogger('debug', capture);
    logger.info({ req: { headers: { authorization: stack.a.authorization } } }, 'careless');
    logger.info({ headers: { authorization: stack.a.authorization }, secretAccessKey: stack.a.secretAccessKey }, 'careless');
    logger.info({ key: { secretAccessKey: stack.a.secretAccessKey } }, 'careless');
    assert.equal(capture.lines.length, 3);
    assert.ok(!capture.text().includes(stack.a.secretAccessKey), capture.text());
  });

  test('on disk: the database holds hashes and sealed copies; only the one-time first-key file holds a secret', async () => {
    await stack.gateway.close();
    const config = loadGatewayConfig({ FACEREC_DATA_DIR: stack.dataDir });
    // The embedded server key (generated at first start beside the data, mode 600) seals the secrets.
    const box = new SecretBox(await resolveServerKey(config));
    const db = await connect(config.database);
    try {
      const rows = await apiKeyRows(db.db);
      assert.equal(rows.length, 4, 'A, B, the spare and the rotated key');
      assert.ok(rows.every((r) => typeof r.secret_hash === 'string' && /^[0-9a-f]{64}$/.test(r.secret_hash)));
      assertStoredHashed(rows, [stack.a, stack.b, spare], box);
    } finally {
      await db.close();
    }
    // Every byte of the data dir (PGlite files, WAL, vectors, blobs) except the first-key file.
    const files = await listFiles(stack.dataDir);
    assert.ok(files.some((f) => f.includes('pglite')), 'the database files were scanned');
    for (const file of files) {
      const bytes = await readFile(file);
      const holds = secrets.filter((s) => bytes.includes(Buffer.from(s, 'utf8')));
      if (path.basename(file) === INITIAL_KEY_FILE) assert.deepEqual(holds, [stack.a.secretAccessKey], 'the first-key file holds the first secret (mode 600, printed once)');
      else assert.deepEqual(holds, [], `${path.relative(stack.dataDir, file)} holds a secret`);
    }
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
