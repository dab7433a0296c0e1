// A pool worker for the pool's own tests: echoes, throws typed errors, or dies on request.
import { parentPort } from 'node:worker_threads';
import { InvalidImageFormatError } from '@facerec/core';
import { serializeError, type WorkerTask } from './pool.js';

type Request = { op: 'echo'; value: number; delayMs?: number } | { op: 'throw' } | { op: 'crash' };

parentPort!.on('message', async ({ id, request }: WorkerTask<Request>) => {
  try {
    if (request.op === 'crash') process.exit(3);
    if (request.op === 'throw') throw new InvalidImageFormatError('not an image');
    if (request.delayMs) await new Promise((r) => setTimeout(r, request.delayMs));
    parentPort!.postMessage({ id, ok: true, result: request.value * 2 });
  } catch (e) {
    parentPort!.postMessage({ id, ok: false, error: serializeError(e) });
  }
});
parentPort!.postMessage('ready');
