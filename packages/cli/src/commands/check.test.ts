/**
 * `facerec check [--repair]` end to end, as an operator runs it (the CLI entry as a child
 * process, configured by the environment), on the embedded database (PGlite in a data directory)
 * with each vector index that runs here: local (snapshots in the data dir), pgvector (PGlite loads
 * the extension) and Pinecone (the local stand-in).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadGatewayConfig, openOperatorContext, openOperatorVectorIndex } from '@facerec/gateway';
import { checkCollectionDrift, faceVectorItem, FakePineconeServer, vectorCollectionKey } from '@facerec/storage';
import type { CheckReport } from './check.js';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const MAIN = path.join(REPO, 'packages/cli/src/main.ts');
const DIM = 8;

let pinecone: FakePineconeServer;
let pineconeHost: string;

before(async () => {
  pinecone = new FakePineconeServer({ dimension: DIM });
  pineconeHost = await pinecone.start();
});

after(async () => {
  await pinecone?.stop();
});

function vector(i: number): Float32Array {
  return Float32Array.from({ length: DIM }, (_, d) => Math.sin(i * 7 + d));
}

/** The CLI's exit status and parsed JSON report. */
async function check(env: Record<string, string>, ...args: string[]): Promise<{ status: number; report: CheckReport }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, 'check', ...args], { cwd: REPO, env: { ...process.env, ...env } });
    return { status: 0, report: JSON.parse(stdout) as CheckReport };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    assert.ok(typeof failed.code === 'number' && failed.stdout, `facerec check crashed: ${failed.stderr ?? String(error)}`);
    return { status: failed.code, report: JSON.parse(failed.stdout) as CheckReport };
  }
}

for (const kind of ['local', 'pgvector', 'pinecone'] as const) {
  test(`facerec check reports drift and --repair fixes it (VECTOR_INDEX=${kind})`, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), `facerec-check-${kind}-`));
    const env: Record<string, string> = { FACEREC_MODE: 'embedded', FACEREC_DATA_DIR: dataDir, VECTOR_INDEX: kind, LOG_LEVEL: 'warn', POSTGRES_URL: '', POSTGRES_HOST: '' };
    if (kind === 'pinecone') Object.assign(env, { PINECONE_API_KEY: 'k', PINECONE_INDEX_HOST: pineconeHost });
    try {
      // Two collections: one that agrees, one with 3 faces missing from the index and 2 stray vectors.
      const config = loadGatewayConfig({ ...process.env, ...env });
      let context = await openOperatorContext(config);
      let index = openOperatorVectorIndex(config, context);
      const tenant = await context.repos.tenants.create({ name: `studio ${kind}` });
      const scopes = [];
      const faceIds: string[][] = [];
      for (const name of ['clean', 'drifted']) {
        const collection = await context.repos.collections.create({ tenantId: tenant.id, collectionId: name, arn: `arn:${name}`, faceModelVersion: 'm1' });
        const inputs = Array.from({ length: 8 }, (_, i) => ({ imageId: randomUUID(), boundingBox: { Width: 0.2, Height: 0.2, Left: 0, Top: 0 }, confidence: 99, modelVersion: 'm1', embedding: vector(i + faceIds.length * 10) }));
        const stored = await context.repos.faces.insert(collection, inputs);
        const key = vectorCollectionKey({ tenantId: tenant.id, collectionPk: collection.id, modelVersion: 'm1' });
        const written = name === 'clean' ? stored : stored.slice(3);
        await index.upsert(key, written.map((f) => faceVectorItem({ ...f, embedding: inputs[stored.indexOf(f)].embedding })));
        if (name === 'drifted') await index.upsert(key, ['stray-a', 'stray-b'].map((id, i) => ({ id, vector: vector(100 + i), metadata: { imageId: 'gone' } })));
        scopes.push(collection);
        faceIds.push(stored.map((f) => f.faceId));
      }
      await index.close();
      await context.close();

      const expectFound = (report: CheckReport, repaired: boolean) => {
        assert.deepEqual(
          { collections: report.collections, rows: report.rows, vectors: report.vectors, missing: report.missing, orphans: report.orphans, repaired: report.repaired },
          { collections: 2, rows: 16, vectors: 15, missing: 3, orphans: 2, repaired },
        );
        assert.equal(report.drift.length, 1);
        assert.equal(report.drift[0].collectionId, 'drifted');
        assert.deepEqual(report.drift[0].missingIds, faceIds[1].slice(0, 3).sort());
        assert.deepEqual(report.drift[0].orphanIds, ['stray-a', 'stray-b']);
      };
      // Each CLI start costs seconds: the report-only run (exit 1, nothing changed) once, on the local index.
      if (kind === 'local') {
        const found = await check(env);
        assert.equal(found.status, 1, 'drift left unrepaired is exit status 1');
        expectFound(found.report, false);
      }
      // --repair reports what it found, then fixes it.
      const repaired = await check(env, '--repair');
      assert.equal(repaired.status, 0);
      expectFound(repaired.report, true);
      assert.deepEqual(repaired.report.drift[0].repaired, { upserted: 3, deleted: 2 });

      // Read back in this process: the index now holds exactly the rows.
      context = await openOperatorContext(config);
      index = openOperatorVectorIndex(config, context);
      try {
        for (const scope of scopes) {
          const drift = await checkCollectionDrift(index, context.repos.faces, scope, 'm1');
          assert.deepEqual({ missing: drift.missing, orphans: drift.orphans, vectors: drift.vectors }, { missing: [], orphans: [], vectors: 8 });
        }
      } finally {
        await index.close();
        await context.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
