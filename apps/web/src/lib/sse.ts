/**
 * A text/event-stream parser (the WHATWG "interpret an event stream" rules) fed by chunks of any size.
 * The studio reads /events with fetch instead of EventSource because EventSource cannot send the
 * Authorization header the studio API needs.
 */

export interface SseEvent {
  /** `message` when the stream did not name one. */
  event: string;
  data: string;
  id: string | undefined;
}

export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  private lastId: string | undefined;
  /** The server's `retry:` advice in ms, when it gave one. */
  retryMs: number | undefined;

  /** Parses complete lines in `chunk` (plus what earlier chunks left over) and returns finished events. */
  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const end = lineEnd(this.buffer);
      if (!end) break;
      const line = this.buffer.slice(0, end.index);
      this.buffer = this.buffer.slice(end.index + end.length);
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    return events;
  }

  private processLine(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventName = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const hadData = this.dataLines.length > 0;
    const event: SseEvent = { event: this.eventName || 'message', data: this.dataLines.join('\n'), id: this.lastId };
    this.eventName = '';
    this.dataLines = [];
    return hadData ? event : undefined;
  }
}

/**
 * A CR that ends the buffer may be the first half of CRLF, so it waits for the next chunk rather
 * than ending the line early and turning the LF into a spurious blank line (a dispatch).
 */
function lineEnd(buffer: string): { index: number; length: number } | undefined {
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (c === '\n') return { index: i, length: 1 };
    if (c === '\r') {
      if (i + 1 === buffer.length) return undefined;
      return { index: i, length: buffer[i + 1] === '\n' ? 2 : 1 };
    }
  }
  return undefined;
}

/** Reads an event stream body to its end (or until `signal` aborts), calling `onEvent` per event. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: SseEvent) => void, signal?: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const event of parser.feed(decoder.decode(value, { stream: true }))) onEvent(event);
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}
