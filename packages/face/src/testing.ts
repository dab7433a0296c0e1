// Test support: the shared face images and a real engine, for tests across the workspace.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareModels } from '@facerec/models';
import { loadEngineConfig, type EngineConfig } from './config.js';
import { PooledFaceEngine, resolveModelSet } from './engine.js';
import { modelIds } from './modelset.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `../shared/faces` beside the repository; tests fail loudly when it is missing. */
export function sharedFacesDir(): string {
  const dir = path.resolve(REPO_ROOT, '..', 'shared', 'faces');
  if (!existsSync(path.join(dir, 'dev'))) {
    throw new Error(`Test images not found at ${dir}: these tests need ../shared/faces beside the repository (see the README).`);
  }
  return dir;
}

export function sharedFace(relative: string): Promise<Buffer> {
  return readFile(path.join(sharedFacesDir(), relative));
}

/** A real engine on one thread with the default model set, models converted if needed. */
export async function startTestEngine(overrides: Partial<EngineConfig> = {}): Promise<PooledFaceEngine> {
  const config = { ...loadEngineConfig(), threads: 1, ...overrides };
  const set = resolveModelSet(process.env.FACEREC_MODEL_SET);
  await prepareModels(modelIds(set), config.modelCacheDir);
  return PooledFaceEngine.start(config, set);
}
