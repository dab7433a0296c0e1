import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sharedFacesDir } from '@facerec/face/testing';
import { runSearchLoad } from './bench-search-load.js';

test('bench search-load --profile: a small collection, clients in a child process, per-stage and per-process CPU', async () => {
  const portraits = await mkdtemp(path.join(os.tmpdir(), 'facerec-portraits-'));
  try {
    // Two identities, two photos each: one of each is indexed, all four are searched.
    for (const [who, files] of [['barack_obama', ['1.jpg', '2.jpg']], ['angelina_jolie', ['1.jpg', '2.jpg']]] as const) {
      await mkdir(path.join(portraits, who));
      for (const f of files) await copyFile(path.join(sharedFacesDir(), 'dev', who, f), path.join(portraits, who, f));
    }
    const result = await runSearchLoad({ faces: 3000, concurrency: 2, seconds: 2, warmupSeconds: 1, portraits, profile: true }, () => undefined);
    assert.equal(result.faces, 3000);
    assert.equal(result.sequential_requests, 4, 'one sequential search per selfie, all answered');
    assert.equal(result.sequential_searches_with_a_match, 4, 'each selfie finds its indexed identity');
    assert.ok(Number(result.requests) > 0);
    assert.ok(Number(result.warmup_requests) > 0, 'the warm-up load ran and is reported apart');
    assert.equal(result.errors, 0);
    for (const key of ['server_cpu_ms_per_request', 'client_cpu_ms_per_request', 'sequential_server_cpu_ms_per_request', 'cpu_ms_decode', 'cpu_ms_detect', 'cpu_ms_landmarks', 'cpu_ms_embed', 'cpu_ms_engine_total', 'cpu_ms_vector_query', 'cpu_ms_embedder_run']) {
      assert.ok(Number(result[key]) > 0, `${key} = ${result[key]}`);
    }
    // The engine's stages are part of what the server spends per search.
    assert.ok(Number(result.cpu_ms_embed) < Number(result.cpu_ms_engine_total));
    assert.ok(typeof result.cpu_model === 'string' && result.cpu_model.length > 0, 'the machine is named beside its numbers');
  } finally {
    await rm(portraits, { recursive: true, force: true });
  }
});
