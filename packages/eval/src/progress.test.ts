import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, formatDuration, formatLine } from './progress.js';

function sink(isTTY: boolean): { stream: { isTTY: boolean; write(s: string): boolean }; out: string[] } {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) > 0 } };
}

describe('progress', () => {
  test('off a terminal: one line per step of everyPercent, including 100 %', () => {
    const { stream, out } = sink(false);
    const p = createProgress('embed', { stream, everyPercent: 25, now: () => 0 });
    for (let i = 1; i <= 10; i++) p.update(i, 10);
    p.finish();
    assert.deepEqual(out, ['embed 10% 1/10\n', 'embed 30% 3/10\n', 'embed 50% 5/10\n', 'embed 80% 8/10\n', 'embed 100% 10/10\n']);
  });

  test('on a terminal: redraws in place at most every redrawMs, always the final state, then a newline', () => {
    const { stream, out } = sink(true);
    let t = 0;
    const p = createProgress('embed', { stream, now: () => t, redrawMs: 100 });
    t = 10;
    p.update(1, 4);
    t = 50;
    p.update(2, 4);
    t = 200;
    p.update(3, 4);
    t = 210;
    p.update(4, 4);
    p.finish();
    assert.equal(out.length, 4);
    assert.ok(out.slice(0, 3).every((s) => s.startsWith('\rembed [') && s.endsWith('\x1b[K')));
    assert.match(out[0], /\[######\.{18}\] 25% 1\/4/);
    assert.match(out[2], /\[#{24}\] 100% 4\/4/);
    assert.equal(out[3], '\n');
  });

  test('rate and ETA', () => {
    assert.equal(formatLine('embed', 5, 10, 1000), 'embed 50% 5/10 5.0/s ETA 0:01');
    assert.equal(formatLine('embed', 0, 10, 0), 'embed 0% 0/10');
    assert.equal(formatDuration(65_000), '1:05');
    assert.equal(formatDuration(3_725_000), '1:02:05');
  });
});
