import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { geometryGrid, parseMember, parseNumberList } from './grid.js';
import { InvalidInputError } from '../errors.js';

describe('parseNumberList', () => {
  test('mixes single values and inclusive ranges, without float noise or duplicates', () => {
    assert.deepEqual(parseNumberList('0.9, 1.1:1.3:0.1,1.2', 'scales'), [0.9, 1.1, 1.2, 1.3]);
    assert.deepEqual(parseNumberList('-0.2:-0.1:0.05', 'shifts'), [-0.2, -0.15, -0.1]);
  });

  test('rejects what is not a list of numbers or ranges', () => {
    for (const bad of ['', 'a', '1:2', '1:0:0.1', '0:1:0', '1,,x']) {
      assert.throws(() => parseNumberList(bad, 'scales'), InvalidInputError, bad);
    }
  });
});

test('geometryGrid crosses scales and shifts, scale-major', () => {
  assert.deepEqual(geometryGrid([1, 2], [0, -0.1]), [
    { scale: 1, shiftY: 0 },
    { scale: 1, shiftY: -0.1 },
    { scale: 2, shiftY: 0 },
    { scale: 2, shiftY: -0.1 },
  ]);
});

test('parseMember reads id:size:scale:shiftY and rejects a malformed member', () => {
  assert.deepEqual(parseMember('face-recognition:150:1.25:-0.18'), { id: 'face-recognition', size: 150, scale: 1.25, shiftY: -0.18 });
  assert.throws(() => parseMember('faceres:224:1'), InvalidInputError);
  assert.throws(() => parseMember('faceres:22.5:1:0'), InvalidInputError);
});
