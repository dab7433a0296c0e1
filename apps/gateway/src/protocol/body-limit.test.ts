import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { toWireError } from '../errors.js';
import { streamUpload } from '../../test/bad-input/stream-upload.js';
import { closeIfUnread, cutOffAbove } from './body-limit.js';

const CAP = 1024 * 1024;
const HUGE = 256 * 1024 * 1024;
/** Loopback socket buffers let a few MB through before the server's answer stops the client. */
const CUT_OFF = 48 * 1024 * 1024;
let server: Server;
let url: string;

before(async () => {
  const app = express();
  app.post('/', cutOffAbove(CAP, express.raw({ type: () => true, limit: CAP })), (req: Request, res: Response) => {
    res.json({ bytes: (req.body as Buffer).length });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    closeIfUnread(req, res);
    const wire = toWireError(error);
    res.status(wire.restStatus).json({ code: wire.name });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

for (const declareLength of [true, false]) {
  const how = declareLength ? 'with Content-Length' : 'chunked';
  test(`a body under the cap reaches the handler whole (${how})`, async () => {
    const res = await streamUpload({ url, headers: {}, prefix: Buffer.alloc(0), fillerBytes: CAP - 10, declareLength });
    assert.equal(res.status, 200, res.error);
    assert.deepEqual(JSON.parse(res.body), { bytes: CAP - 10 });
  });

  test(`a 256 MB body is answered ImageTooLarge without being read to the end (${how})`, async () => {
    const res = await streamUpload({ url, headers: {}, prefix: Buffer.alloc(0), fillerBytes: HUGE, declareLength });
    assert.equal(res.status, 413, res.error);
    assert.deepEqual(JSON.parse(res.body), { code: 'ImageTooLargeException' });
    assert.ok(res.sentBytes < CUT_OFF, `the server let ${(res.sentBytes / 1048576).toFixed(0)} MB in`);
  });
}

test('the server still answers on new connections afterwards', async () => {
  const res = await fetch(url, { method: 'POST', body: 'hello' });
  assert.deepEqual(await res.json(), { bytes: 5 });
});
