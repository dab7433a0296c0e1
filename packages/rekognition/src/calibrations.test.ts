import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_SETS } from '@facerec/face';
import { toSimilarity } from '@facerec/eval';
import { CALIBRATIONS } from './calibrations.js';

test('every model set has a calibration, and every calibration belongs to a model set', () => {
  const versions = Object.values(MODEL_SETS).map((s) => s.version).sort();
  assert.deepEqual(Object.keys(CALIBRATIONS).sort(), versions);
});

test('each calibration maps its own cosineAt80 to Similarity 80 and rises with the cosine', () => {
  for (const [version, cal] of Object.entries(CALIBRATIONS)) {
    assert.equal(Math.round(toSimilarity(cal, cal.cosineAt80) * 1e6) / 1e6, 80, version);
    const curve = [-0.1, -0.02, 0, 0.02, 0.1].map((d) => toSimilarity(cal, cal.cosineAt80 + d));
    assert.deepEqual(curve, [...curve].sort((a, b) => a - b), version);
    assert.ok(curve[0] < 10 && curve[4] > 99, `${version}: saturates like Rekognition's scale`);
  }
});
