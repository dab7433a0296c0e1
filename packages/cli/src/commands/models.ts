import { MODEL_CATALOG, prepareModels } from '@facerec/models';
import { loadEngineConfig, modelIds, resolveModelSet } from '@facerec/face';
import { parse, printJson, type Command } from './command.js';

const USAGE = 'facerec models convert [--all] [--set NAME] | facerec models list';

export const modelsCommand: Command = {
  summary: 'convert the npm-shipped weights to ONNX (cached, checksummed), or list them',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, { all: { type: 'boolean' }, set: { type: 'string' } }, USAGE);
    const config = loadEngineConfig();
    if (positionals[0] === 'list') {
      printJson([...MODEL_CATALOG.values()].map((m) => ({ id: m.id, description: m.description, license: m.license, source: `${m.sourcePackage}/${m.sourceFiles[0]}` })));
      return 0;
    }
    if (positionals[0] !== 'convert') throw new Error(`usage: ${USAGE}`);
    const ids = values.all ? [...MODEL_CATALOG.keys()] : modelIds(resolveModelSet(values.set ?? process.env.FACEREC_MODEL_SET));
    const done = await prepareModels(ids, config.modelCacheDir, (n, total, m) => {
      process.stderr.write(`[models ${n}/${total}] ${m.id}: ${m.converted ? 'converted' : 'cached, checksum ok'} (${(m.record.bytes / 1e6).toFixed(1)} MB)\n`);
    });
    process.stderr.write(`models ready in ${config.modelCacheDir}: ${done.map((m) => m.id).join(', ')}\n`);
    return 0;
  },
};
