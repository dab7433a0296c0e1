import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readEventStream, SseParser, type SseEvent } from './sse.js';

describe('SseParser', () => {
  test('parses named events with JSON data and ignores comments', () => {
    const parser = new SseParser();
    const events = parser.feed(': heartbeat\n\nevent: progress\ndata: {"total":3}\n\n');
    assert.deepEqual(events, [{ event: 'progress', data: '{"total":3}', id: undefined }]);
  });

  test('joins multi-line data and defaults the event name to message', () => {
    const events = new SseParser().feed('data: a\ndata:b\nid: 7\n\n');
    assert.deepEqual(events, [{ event: 'message', data: 'a\nb', id: '7' }]);
  });

  test('an event split across many chunks, with CRLF split between chunks, arrives once', () => {
    const parser = new SseParser();
    const text = 'event: progress\r\ndata: {"done":true}\r\n\r\n';
    const events: SseEvent[] = [];
    for (const ch of text) events.push(...parser.feed(ch));
    assert.deepEqual(events, [{ event: 'progress', data: '{"done":true}', id: undefined }]);
  });

  test('a blank line without data dispatches nothing and resets the event name', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.feed('event: x\n\ndata: y\n\n'), [{ event: 'message', data: 'y', id: undefined }]);
  });

  test('keeps an unfinished event until its blank line comes', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.feed('data: half'), []);
    assert.deepEqual(parser.feed('\n'), []);
    assert.equal(parser.feed('\n').length, 1);
  });

  test('reads retry advice', () => {
    const parser = new SseParser();
    parser.feed('retry: 2500\n');
    assert.equal(parser.retryMs, 2500);
  });
});

test('readEventStream decodes UTF-8 split inside a character', async () => {
  const bytes = new TextEncoder().encode('data: café\n\n');
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
      controller.close();
    },
  });
  const seen: string[] = [];
  await readEventStream(stream, (e) => seen.push(e.data));
  assert.deepEqual(seen, ['café']);
});
