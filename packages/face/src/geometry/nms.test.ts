import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iou, nms, type Box } from './nms.js';

const box = (x1: number, y1: number, x2: number, y2: number, score: number): Box => ({ x1, y1, x2, y2, score });

test('iou of identical, disjoint and half-overlapping boxes', () => {
  assert.equal(iou(box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1)), 1);
  assert.equal(iou(box(0, 0, 10, 10, 1), box(20, 20, 30, 30, 1)), 0);
  assert.ok(Math.abs(iou(box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1)) - 50 / 150) < 1e-12);
});

test('nms keeps the best of an overlapping pair, separate boxes, and drops a box nested in a bigger one', () => {
  const kept = nms([box(0, 0, 10, 10, 0.8), box(1, 1, 11, 11, 0.9), box(50, 50, 60, 60, 0.7), box(52, 52, 56, 56, 0.95)], 0.4);
  assert.deepEqual(kept.map((k) => k.score), [0.95, 0.9]);
});
