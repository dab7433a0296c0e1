import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chipTag, DEFAULT_MODEL_SET, embeddingDim, MODEL_SETS } from './modelset.js';

test('every set names its embedders and their chip geometry in its version', () => {
  const versions = new Set<string>();
  for (const set of Object.values(MODEL_SETS)) {
    for (const e of set.embedders) assert.ok(set.version.includes(`${e.id}.${chipTag(e.chip)}`), set.version);
    versions.add(set.version);
  }
  assert.equal(versions.size, Object.keys(MODEL_SETS).length, 'versions are unique');
});

test('chipTag spells size, scale and shift', () => {
  assert.equal(chipTag({ size: 150, scale: 1.1, shiftY: -0.18 }), 'c150s1.1y-0.18');
  assert.equal(chipTag({ size: 150, scale: 1.1, shiftY: -0.18, template: 'arcface5' }), 'c150s1.1y-0.18');
  assert.equal(chipTag({ size: 150, scale: 0.667, shiftY: -0.045, template: 'mean51' }), 'c150s0.667y-0.045m51');
  assert.equal(chipTag({ size: 150, scale: 0.667, shiftY: 0, template: 'dlib33' }), 'c150s0.667y0d33');
  assert.equal(chipTag({ size: 150, scale: 1.1, shiftY: -0.18, jitter: 6 }), 'c150s1.1y-0.18j6');
});

test('the default set uses only commercially usable (public-domain dlib) embedding weights', () => {
  const set = MODEL_SETS[DEFAULT_MODEL_SET];
  assert.deepEqual(set.embedders.map((e) => e.id), ['face-recognition']);
  assert.equal(embeddingDim(set), 128);
});
