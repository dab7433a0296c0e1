/** The worker process entry (`node --import tsx apps/worker/src/main.ts`), configured by the environment. */
import { loadWorkerConfig } from './config.js';
import { closeOnSignals, startWorker } from './worker.js';

const worker = await startWorker(loadWorkerConfig());
// Tests and supervisors wait for this line on stdout.
process.stdout.write(`${JSON.stringify({ msg: 'worker ready', url: worker.url, pid: process.pid })}\n`);
await closeOnSignals(worker);
process.exit(0);
