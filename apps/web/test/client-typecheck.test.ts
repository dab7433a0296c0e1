// The browser code is outside the root tsconfig (it needs the DOM library, which would leak DOM
// globals into every Node package), so its own type-check runs as a test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('client code type-checks with tsconfig.client.json', () => {
  const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const tsc = path.resolve(webDir, '../../node_modules/typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(webDir, 'tsconfig.client.json')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
