// Static checks of deploy/*.Dockerfile (no Docker engine here): stages, base image, non-root user,
// health check, models converted at build time, pinned tool versions equal to the repo's.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { INFRA_DIR } from '../lib/app.js';
import { instructions, parentStage, parseDockerfile, stage, type Dockerfile } from './dockerfile-parse.js';

const ROOT = path.resolve(INFRA_DIR, '..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const rootPackage = JSON.parse(read('package.json')) as { packageManager: string };
const lockfile = parse(read('pnpm-lock.yaml')) as { importers: Record<string, { devDependencies?: Record<string, { version: string }> }> };
const tsxPackage = JSON.parse(read('node_modules/tsx/package.json')) as { exports: Record<string, string> };

const IMAGES = [
  { file: 'deploy/gateway.Dockerfile', command: 'serve', port: '8080' },
  { file: 'deploy/worker.Dockerfile', command: 'worker', port: '8081' },
] as const;

function envOf(d: Dockerfile, stageName: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const args of instructions(stage(d, stageName), 'ENV')) {
    for (const m of args.matchAll(/(\w+)=(\S+)/g)) env.set(m[1], m[2]);
  }
  return env;
}

function argDefault(d: Dockerfile, name: string): string | undefined {
  return d.globalArgs.get(name);
}

function jsonArray(text: string): string[] {
  const value: unknown = JSON.parse(text);
  assert.ok(Array.isArray(value) && value.every((v) => typeof v === 'string'), `exec form expected: ${text}`);
  return value;
}

for (const image of IMAGES) {
  describe(image.file, () => {
    const d = parseDockerfile(read(image.file));
    const runtime = stage(d, 'runtime');

    test('multi-stage: base → deps → build → runtime, all on node:24-slim', () => {
      assert.deepEqual(d.stages.map((s) => s.name), ['base', 'deps', 'build', 'runtime']);
      assert.equal(stage(d, 'deps').from, 'base');
      assert.equal(stage(d, 'build').from, 'deps');
      assert.equal(parentStage(d, runtime), undefined, 'runtime starts from a clean image, not from the build');
      for (const s of d.stages.filter((x) => parentStage(d, x) === undefined)) assert.equal(s.from, 'node:24-slim');
      for (const args of instructions(runtime, 'COPY')) {
        const from = /--from=(\S+)/.exec(args)?.[1];
        if (from) assert.ok(d.stages.some((s) => s.name === from), `COPY --from=${from} names a stage`);
      }
    });

    test('pnpm comes from npm at the version package.json pins; tsx at the lockfile version', () => {
      assert.equal(`pnpm@${argDefault(d, 'PNPM_VERSION')}`, rootPackage.packageManager);
      assert.equal(argDefault(d, 'TSX_VERSION'), lockfile.importers['.'].devDependencies?.tsx.version);
      assert.ok(instructions(stage(d, 'base'), 'RUN').some((r) => r.includes('npm install --global') && r.includes('pnpm@${PNPM_VERSION}')));
    });

    test('dependencies: fetched from the lockfile alone, then a frozen prod-only install', () => {
      assert.ok(instructions(stage(d, 'deps'), 'COPY').some((c) => c.includes('pnpm-lock.yaml') && c.includes('.npmrc')));
      assert.ok(instructions(stage(d, 'deps'), 'RUN').some((r) => r.includes('pnpm fetch')));
      const install = instructions(stage(d, 'build'), 'RUN').find((r) => r.includes('pnpm install'));
      assert.ok(install, 'pnpm install in the build stage');
      for (const flag of ['--prod', '--frozen-lockfile', '--offline']) assert.ok(install.includes(flag), flag);
      assert.match(read('.npmrc'), /^onnxruntime-node-install=skip$/m);
      assert.ok(!instructions(runtime, 'RUN').some((r) => r.includes('pnpm install')), 'nothing installed in the runtime stage');
    });

    test('models are converted in the build stage and copied into the runtime cache dir', () => {
      const build = stage(d, 'build');
      assert.ok(instructions(build, 'RUN').some((r) => r.includes('packages/cli/src/main.ts models convert')));
      assert.ok(!instructions(runtime, 'RUN').some((r) => r.includes('models convert')));
      const cache = envOf(d, 'build').get('FACEREC_MODEL_CACHE');
      assert.equal(cache, '/app/models');
      assert.equal(envOf(d, 'runtime').get('FACEREC_MODEL_CACHE'), cache);
      assert.ok(instructions(runtime, 'COPY').some((c) => c.includes('--from=build') && c.includes(`${cache} `)));
      assert.ok(existsSync(path.join(ROOT, 'packages/cli/src/main.ts')));
    });

    test('runs as a non-root user with a health check on /healthz', () => {
      const users = instructions(runtime, 'USER');
      assert.ok(users.length > 0);
      const user = users.at(-1) as string;
      assert.ok(!['root', '0', '0:0'].includes(user), `USER ${user}`);
      const order = runtime.instructions.map((i) => i.keyword);
      assert.ok(order.lastIndexOf('USER') < order.indexOf('ENTRYPOINT'), 'USER before ENTRYPOINT');
      const health = instructions(runtime, 'HEALTHCHECK');
      assert.equal(health.length, 1);
      assert.match(health[0], /--interval=\d+s/);
      assert.ok(health[0].includes('/healthz'));
    });

    test('entrypoint runs the CLI through the tsx loader it installed; port and command match', () => {
      const entry = jsonArray(instructions(runtime, 'ENTRYPOINT')[0]);
      const loader = entry[entry.indexOf('--import') + 1];
      assert.equal(loader, `/usr/local/lib/node_modules/tsx/${tsxPackage.exports['.'].replace(/^\.\//, '')}`);
      assert.ok(instructions(runtime, 'RUN').some((r) => r.includes('tsx@${TSX_VERSION}')));
      assert.equal(entry.at(-1), 'packages/cli/src/main.ts');
      assert.deepEqual(jsonArray(instructions(runtime, 'CMD')[0]), [image.command]);
      assert.deepEqual(instructions(runtime, 'EXPOSE'), [image.port]);
      const env = envOf(d, 'runtime');
      assert.equal(env.get('PORT'), image.port);
      assert.equal(env.get('FACEREC_MODE'), 'production');
      assert.equal(env.get('HOST'), '0.0.0.0');
    });

    test('its .dockerignore keeps the workspace manifests and drops local state', () => {
      const ignore = read(`${image.file}.dockerignore`).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
      for (const must of ['**/node_modules', '.git', '.env', '.facerec']) assert.ok(ignore.includes(must), must);
      const workspace = parse(read('pnpm-workspace.yaml')) as { packages: string[] };
      const kept = ['pnpm-lock.yaml', 'package.json', '.npmrc', 'migrations', ...workspace.packages.map((p) => p.replace(/\/\*$/, ''))];
      for (const k of kept) assert.ok(!ignore.includes(k), `${k} must reach the build context`);
    });
  });
}
