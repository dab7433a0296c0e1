import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecipe } from './landmarks68.js';

test('parseRecipe: passes, mirror averaging (f) or levelled later passes (l)', () => {
  assert.deepEqual(parseRecipe('p2'), { passes: 2, flip: false });
  assert.deepEqual(parseRecipe('p3f'), { passes: 3, flip: true });
  assert.deepEqual(parseRecipe('p2l'), { passes: 2, flip: false, levelled: true });
  for (const bad of ['p0', 'p6', 'p2fl', 'p2x', 'm2']) assert.throws(() => parseRecipe(bad), /landmark recipe/, bad);
});
