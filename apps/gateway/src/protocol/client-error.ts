/**
 * Requests node:http refuses before any route sees them (headers over the size limit, bytes that
 * are not HTTP): answered with a JSON error both APIs' clients can read — the AWS shape
 * (`__type`, `Message`, `x-amzn-ErrorType`) and the REST one (`code`, `message`) — instead of
 * node's bare status line, then the connection is closed.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

const HEADER_OVERFLOW = 'HPE_HEADER_OVERFLOW';

export function clientErrorResponse(error: Error & { code?: string }): string {
  const tooLarge = error.code === HEADER_OVERFLOW;
  const [status, reason] = tooLarge ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const name = 'InvalidParameterException';
  const message = tooLarge ? 'The request headers are larger than this server accepts' : 'The request is not valid HTTP';
  const body = JSON.stringify({ __type: name, Message: message, code: name, message });
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json',
    `x-amzn-ErrorType: ${name}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    // A reset or timed-out socket has nobody left to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error));
  });
}
