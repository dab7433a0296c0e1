import { faceApiModels } from './faceapi/catalog.js';
import { tfjsModels } from './tfjs/catalog.js';
import { ensureModel, type EnsuredModel } from './cache.js';
import type { ModelSpec } from './spec.js';

/** Every model we can convert, by id. */
export const MODEL_CATALOG: ReadonlyMap<string, ModelSpec> = new Map([...faceApiModels, ...tfjsModels].map((m) => [m.id, m]));

export function modelSpec(id: string): ModelSpec {
  const spec = MODEL_CATALOG.get(id);
  if (!spec) throw new Error(`unknown model "${id}" (known: ${[...MODEL_CATALOG.keys()].join(', ')})`);
  return spec;
}

/** Converts (or verifies the cached conversion of) each model, reporting progress per model. */
export async function prepareModels(ids: readonly string[], cacheDir: string, onModel?: (done: number, total: number, m: EnsuredModel) => void): Promise<EnsuredModel[]> {
  const ensured: EnsuredModel[] = [];
  for (const id of ids) {
    const m = await ensureModel(modelSpec(id), cacheDir);
    ensured.push(m);
    onModel?.(ensured.length, ids.length, m);
  }
  return ensured;
}
