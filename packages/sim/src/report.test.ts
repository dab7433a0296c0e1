import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clock, formatAlbums, formatTimeline } from './report.js';
import { simulate } from './simulate.js';

test('clock formats h:mm:ss', () => {
  assert.equal(clock(0), '0:00:00');
  assert.equal(clock(3725), '1:02:05');
});

test('the timeline marks scaling events and the album table gives durations', () => {
  const r = simulate({ arrivals: [{ atSeconds: 0, images: 10_000 }], perInstanceIps: 5, durationSeconds: 3600 });
  const timeline = formatTimeline(r, 600);
  assert.match(timeline, /0:03:00 .* scale out \+2/);
  assert.match(timeline, /scale in -1/);
  assert.match(formatAlbums(r), /album 1 +10000 photos at 0:00:00: 0:15:07/);
});
