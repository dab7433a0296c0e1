import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { answerClientErrors } from './client-error.js';

const server = createServer((_req, res) => res.end('ok'));
let port = 0;

before(async () => {
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends raw bytes and reads the whole answer until the server closes the connection. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

function parse(answer: string): { status: number; headers: string; body: Record<string, string> } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head, body: JSON.parse(body) as Record<string, string> };
}

test('headers over the limit answer 431 with an error both APIs can read', async () => {
  const answer = parse(await raw(`POST / HTTP/1.1\r\nHost: x\r\nX-Huge: ${'h'.repeat(64 * 1024)}\r\n\r\n`));
  assert.equal(answer.status, 431);
  assert.match(answer.headers, /x-amzn-ErrorType: InvalidParameterException/);
  assert.equal(answer.body.__type, 'InvalidParameterException');
  assert.equal(answer.body.code, 'InvalidParameterException');
  assert.match(answer.body.Message, /headers are larger/);
});

test('bytes that are not HTTP answer 400 in the same shape, and the server keeps serving', async () => {
  const answer = parse(await raw('\u0001\u0002 not http at all\r\n\r\n'));
  assert.equal(answer.status, 400);
  assert.equal(answer.body.__type, 'InvalidParameterException');
  const ok = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await ok.text(), 'ok');
});
