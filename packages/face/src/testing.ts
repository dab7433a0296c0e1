// Test support: the shared face images and a real engine, for tests across the workspace.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareModels } from '@facerec/models';
import { loadEngineConfig, type EngineConfig } from './config.js';
import { PooledFaceEngine, resolveModelSet } from './engine.js';
import { modelIds } from './modelset.js';
import type { Point } from './geometry/similarity.js';
import { MESH_INDEX, MESH_POINT_COUNT } from './stages/facemesh.js';

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

/**
 * A 468-point mesh with only what the five-point readings look at set: every point of each eye's
 * eyelid ring at that eye, the nose tip, the two mouth corners (the rest at 0, 0).
 */
export function syntheticMesh(eyeLeft: Point, eyeRight: Point, nose: Point, mouthLeft: Point, mouthRight: Point): Point[] {
  const m: Point[] = Array.from({ length: MESH_POINT_COUNT }, () => [0, 0] as const);
  for (const i of MESH_INDEX.eyeRingImageLeft) m[i] = eyeLeft;
  for (const i of MESH_INDEX.eyeRingImageRight) m[i] = eyeRight;
  m[MESH_INDEX.noseTip] = nose;
  m[MESH_INDEX.mouthCorners[0]] = mouthLeft;
  m[MESH_INDEX.mouthCorners[1]] = mouthRight;
  return m;
}
