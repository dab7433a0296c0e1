/**
 * Cutting off request bodies over a limit. body-parser and multer, on an oversize body, read the
 * rest of it to the end before they answer (so that a keep-alive connection stays usable): for a
 * 1 GB upload that is 1 GB through the process before the client hears "too large". Here the
 * answer goes out as soon as the limit is passed (or at once when Content-Length says so), and the
 * connection is closed shortly after it, so the rest is never read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { ImageTooLargeError } from '@facerec/core';

/** The declared Content-Length, when there is a valid one (chunked bodies have none). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/** After an early answer, what is still read (and dropped) before the connection is closed. */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 1000;

/**
 * The client is still sending: once the answer is out, close the connection instead of reading
 * the rest of the body. Not at once (`Connection: close` would): a client busy writing would get a
 * reset before it reads the answer. The rest is dropped for up to LINGER_BYTES / LINGER_MS first.
 */
export function closeIfUnread(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || res.headersSent) return;
  res.once('finish', () => {
    let dropped = 0;
    const close = () => {
      clearTimeout(timer);
      req.socket.destroy();
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) close();
    });
    req.once('end', () => clearTimeout(timer));
    req.resume();
  });
}

export function bodyTooLarge(limitBytes: number): ImageTooLargeError {
  return new ImageTooLargeError(`Request body is larger than the ${limitBytes}-byte limit`);
}

/**
 * Runs `parser` (a body parser), but fails the request with ImageTooLarge as soon as more than
 * `capBytes` of body have arrived, or before reading anything when Content-Length is over it.
 * Whatever the parser answers later (it drains first) is ignored.
 */
export function cutOffAbove(capBytes: number, parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const declared = declaredLength(req);
    if (declared !== undefined && declared > capBytes) {
      closeIfUnread(req, res);
      next(bodyTooLarge(capBytes));
      return;
    }
    let received = 0;
    let settled = false;
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      req.off('data', count);
      next(error);
    };
    const count = (chunk: Buffer): void => {
      received += chunk.length;
      if (received <= capBytes) return;
      closeIfUnread(req, res);
      settle(bodyTooLarge(capBytes));
    };
    // Attached in the same tick as the parser's own listeners: both see every chunk.
    req.on('data', count);
    void parser(req, res, settle);
  };
}
