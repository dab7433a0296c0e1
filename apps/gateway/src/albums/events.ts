/**
 * Album progress as server-sent events: the progress at start, then whenever it changes (polled
 * every `intervalMs`), and a comment heartbeat so proxies keep the connection open.
 */
import type { Response } from 'express';
import type { AlbumProgress } from '@facerec/albums';

export interface EventStreamOptions {
  intervalMs: number;
  heartbeatMs: number;
}

/** Open streams, so a shutting-down gateway can end them instead of waiting on them. */
export class EventStreams {
  private readonly open = new Set<Response>();

  get size(): number {
    return this.open.size;
  }

  /**
   * `load` runs once before the response starts, so a missing album is an ordinary JSON error;
   * afterwards a failing poll ends the stream (the client reconnects or gives up).
   */
  async stream(res: Response, load: () => Promise<AlbumProgress>, options: EventStreamOptions): Promise<void> {
    let last = JSON.stringify(await load());
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(`event: progress\ndata: ${last}\n\n`);
    this.open.add(res);
    let polling = false;
    const poll = setInterval(() => {
      if (polling) return;
      polling = true;
      load()
        .then((progress) => {
          const text = JSON.stringify(progress);
          if (text !== last && !res.writableEnded) res.write(`event: progress\ndata: ${text}\n\n`);
          last = text;
        })
        .catch(() => res.end())
        .finally(() => {
          polling = false;
        });
    }, options.intervalMs);
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(': heartbeat\n\n');
    }, options.heartbeatMs);
    res.on('close', () => {
      clearInterval(poll);
      clearInterval(heartbeat);
      this.open.delete(res);
    });
  }

  /** Ends every open stream (gateway shutdown). */
  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
