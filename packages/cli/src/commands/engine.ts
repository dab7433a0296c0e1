import { prepareModels } from '@facerec/models';
import { loadEngineConfig, modelIds, PooledFaceEngine, resolveModelSet, type EngineConfig } from '@facerec/face';

/** Makes sure the model set is converted and cached, printing progress on stderr. */
export async function prepareModelSet(config: EngineConfig, setName?: string): Promise<void> {
  const set = resolveModelSet(setName ?? process.env.FACEREC_MODEL_SET);
  await prepareModels(modelIds(set), config.modelCacheDir, (done, total, m) => {
    process.stderr.write(`[models ${done}/${total}] ${m.id} ${m.converted ? 'converted' : 'verified'} (${(m.record.bytes / 1e6).toFixed(1)} MB, sha256 ${m.record.onnxSha256.slice(0, 12)})\n`);
  });
}

/** Starts the pooled engine for a CLI command. */
export async function openEngine(options: { threads?: number } = {}): Promise<PooledFaceEngine> {
  const base = loadEngineConfig();
  const config: EngineConfig = { ...base, threads: options.threads ?? base.threads };
  await prepareModelSet(config);
  return PooledFaceEngine.start(config, resolveModelSet(process.env.FACEREC_MODEL_SET));
}
