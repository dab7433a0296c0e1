import { closeOnSignals, loadWorkerConfig, startWorker } from '@facerec/worker';
import { parse, type Command } from './command.js';

const USAGE = 'facerec worker [--port N]   (database, vector index, blob store, queue and engine from the environment: see apps/gateway/env.example)';

export const workerCommand: Command = {
  summary: 'run an album ingestion worker (queue → faces indexed) with /healthz and /metrics, until SIGTERM/SIGINT',
  usage: USAGE,
  async run(args) {
    const { values } = parse(args, { port: { type: 'string' } }, USAGE);
    const env = { ...process.env };
    if (values.port !== undefined) env.WORKER_PORT = values.port;
    const worker = await startWorker(loadWorkerConfig(env));
    process.stderr.write(`facerec worker: health and metrics on ${worker.url}\n`);
    await closeOnSignals(worker);
    return 0;
  },
};
