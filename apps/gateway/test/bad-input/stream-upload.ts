/**
 * Sends a huge request body from a generator, never materialised: chunks are written only as the
 * socket drains, and writing stops as soon as the server answers or drops the connection. The
 * result says how many bytes the server let in before that, which is how a test tells "cut off"
 * from "read to the end".
 */
import http from 'node:http';

export interface StreamUploadOptions {
  url: string;
  method?: string;
  headers: Record<string, string>;
  /** Sent first (e.g. a multipart part header or the start of a JSON document). */
  prefix: Buffer;
  /** Filler bytes after the prefix. */
  fillerBytes: number;
  suffix?: Buffer;
  /** Declare Content-Length (default) or send chunked. */
  declareLength?: boolean;
  chunkBytes?: number;
}

export interface StreamUploadResult {
  /** Undefined when the connection was dropped before any answer. */
  status?: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Bytes handed to the socket before the answer (or the error) came. */
  sentBytes: number;
  totalBytes: number;
  error?: string;
}

function* body(options: StreamUploadOptions): Generator<Buffer> {
  yield options.prefix;
  const size = options.chunkBytes ?? 1024 * 1024;
  const filler = Buffer.alloc(size, 0x41);
  for (let left = options.fillerBytes; left > 0; left -= size) yield left >= size ? filler : filler.subarray(0, left);
  if (options.suffix) yield options.suffix;
}

export function streamUpload(options: StreamUploadOptions): Promise<StreamUploadResult> {
  const totalBytes = options.prefix.length + options.fillerBytes + (options.suffix?.length ?? 0);
  const headers = { ...options.headers, ...(options.declareLength === false ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(totalBytes) }) };
  return new Promise((resolve) => {
    const result: StreamUploadResult = { headers: {}, body: '', sentBytes: 0, totalBytes };
    let settled = false;
    let answered = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && result.status === undefined) result.error = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` : String(error);
      req.destroy();
      resolve(result);
    };
    const req = http.request(options.url, { method: options.method ?? 'POST', headers });
    req.on('response', (res) => {
      answered = true;
      result.status = res.statusCode;
      result.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (text: string) => (result.body += text));
      res.on('end', () => finish());
      res.on('error', finish);
    });
    req.on('error', finish);
    void (async () => {
      try {
        for (const chunk of body(options)) {
          if (answered || settled) return;
          result.sentBytes += chunk.length;
          if (!req.write(chunk)) await drainedOrClosed(req);
        }
        if (!answered && !settled) req.end();
      } catch (error) {
        finish(error);
      }
    })();
  });
}

function drainedOrClosed(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}
