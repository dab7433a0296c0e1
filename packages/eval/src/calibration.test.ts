import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitCalibration, logisticSlope, parseCalibration, toCosine, toSimilarity } from './calibration.js';
import type { Calibration } from './calibration.js';
import { CalibrationError } from './errors.js';
import type { ScoredPair } from './metrics.js';

/** Seeded normal samples (Box–Muller over a linear congruential generator). */
function gaussian(seed: number): () => number {
  let state = seed;
  const uniform = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state + 1) / (2 ** 31 + 1);
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** LFW-dev-train-like: 1,100 same and 1,100 different pairs, overlapping a little. */
function lfwLike(seed = 7): ScoredPair[] {
  const g = gaussian(seed);
  const pairs: ScoredPair[] = [];
  for (let i = 0; i < 1100; i++) pairs.push({ score: 0.6 + 0.12 * g(), same: true });
  for (let i = 0; i < 1100; i++) pairs.push({ score: 0.05 + 0.1 * g(), same: false });
  return pairs;
}

function measuredFmr(cal: Calibration, pairs: readonly ScoredPair[]): number {
  const negs = pairs.filter((p) => !p.same && p.score !== null);
  return negs.filter((p) => toSimilarity(cal, p.score as number) >= 80).length / negs.length;
}

function grid(from: number, to: number, steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => from + ((to - from) * i) / steps);
}

describe('fitCalibration', () => {
  const pairs = lfwLike();
  const cal = fitCalibration(pairs);

  test('is serialisable and survives a JSON round trip', () => {
    assert.equal(cal.kind, 'logistic');
    assert.deepEqual(parseCalibration(JSON.parse(JSON.stringify(cal))), cal);
  });

  test('Similarity 80 has exactly the false-match rate it reports, within the target', () => {
    assert.equal(cal.targetFmr, 1e-3);
    assert.equal(cal.negatives, 1100);
    // floor(1e-3 × 1100) = 1 false match allowed, and the scores are continuous (no ties).
    assert.equal(cal.fmrAt80, 1 / 1100);
    assert.equal(measuredFmr(cal, pairs), cal.fmrAt80);
    const positives = pairs.filter((p) => p.same);
    const tar = positives.filter((p) => toSimilarity(cal, p.score as number) >= 80).length / positives.length;
    assert.equal(cal.tarAt80, tar);
    assert.ok(cal.tarAt80 > 0.9, `tarAt80 ${cal.tarAt80}`);
  });

  test('a zero target gives no false match at 80 on the fitting pairs', () => {
    const strict = fitCalibration(pairs, { targetFmr: 0 });
    assert.equal(strict.fmrAt80, 0);
    assert.equal(measuredFmr(strict, pairs), 0);
    assert.ok(strict.cosineAt80 > cal.cosineAt80);
  });

  test('a looser target moves 80 down and reports the larger rate', () => {
    const loose = fitCalibration(pairs, { targetFmr: 0.01 });
    assert.equal(loose.fmrAt80, 11 / 1100);
    assert.equal(measuredFmr(loose, pairs), loose.fmrAt80);
    assert.ok(loose.cosineAt80 < cal.cosineAt80);
  });

  test('ties at the cut-off are rejected together, and the report says so', () => {
    const tied: ScoredPair[] = [
      { score: 0.9, same: true },
      { score: 0.7, same: true },
      { score: 0.5, same: false },
      { score: 0.5, same: false },
      ...Array.from({ length: 8 }, (_, i) => ({ score: i / 20, same: false })),
    ];
    const c = fitCalibration(tied, { targetFmr: 0.1 });
    assert.equal(c.fmrAt80, 0);
    assert.equal(measuredFmr(c, tied), 0);
    assert.equal(c.tarAt80, 1);
  });

  test('null scores are left out of the fit', () => {
    const withNull = fitCalibration([...pairs, { score: null, same: false }, { score: null, same: true }]);
    assert.deepEqual(withNull, cal);
  });

  test('rejects scores that do not separate the classes, one-class data and bad targets', () => {
    const inverted = pairs.map((p) => ({ ...p, same: !p.same }));
    assert.throws(() => fitCalibration(inverted), CalibrationError);
    assert.throws(() => fitCalibration(pairs.filter((p) => p.same)), /both classes/);
    assert.throws(() => fitCalibration(pairs, { targetFmr: 1 }), /targetFmr/);
  });

  test('perfectly separable scores still give a strictly increasing, unsaturated map', () => {
    const separable: ScoredPair[] = [
      ...grid(0.5, 0.9, 50).map((score) => ({ score, same: true })),
      ...grid(-0.2, 0.2, 50).map((score) => ({ score, same: false })),
    ];
    const c = fitCalibration(separable, { targetFmr: 0 });
    assert.ok(Number.isFinite(c.slope) && c.slope > 0);
    assert.equal(c.fmrAt80, 0);
    assert.equal(c.tarAt80, 1);
    assert.ok(toSimilarity(c, 1) < 100);
    assertStrictlyIncreasing(c);
  });
});

function assertStrictlyIncreasing(cal: Calibration): void {
  const cosines = grid(-1, 1, 20000);
  let previous = -Infinity;
  for (const c of cosines) {
    const s = toSimilarity(cal, c);
    assert.ok(s > previous, `Similarity(${c}) = ${s} is not above ${previous}`);
    assert.ok(s >= 0 && s <= 100);
    previous = s;
  }
}

describe('toSimilarity / toCosine', () => {
  const cal = fitCalibration(lfwLike());

  test('strictly increasing over the whole cosine range and clamped to [0, 100]', () => {
    assertStrictlyIncreasing(cal);
    assert.equal(toSimilarity(cal, 1.5), toSimilarity(cal, 1));
    assert.equal(toSimilarity(cal, -3), toSimilarity(cal, -1));
    assert.ok(toSimilarity(cal, -1) >= 0);
  });

  test('80 sits at cosineAt80', () => {
    assert.ok(Math.abs(toSimilarity(cal, cal.cosineAt80) - 80) < 1e-9);
    assert.ok(Math.abs(toCosine(cal, 80) - cal.cosineAt80) < 1e-12);
  });

  test('cosine → similarity → cosine round-trips', () => {
    for (const c of grid(-1, 1, 400)) {
      const back = toCosine(cal, toSimilarity(cal, c));
      assert.ok(Math.abs(back - c) < 1e-6, `${c} came back as ${back}`);
    }
  });

  test('similarity → cosine → similarity round-trips', () => {
    for (const s of grid(0.001, 99.999, 400)) {
      const back = toSimilarity(cal, toCosine(cal, s));
      assert.ok(Math.abs(back - s) < 1e-9, `${s} came back as ${back}`);
    }
  });

  test('toCosine is increasing and maps the ends of the scale to the ends of the cosine range', () => {
    assert.equal(toCosine(cal, 0), -1);
    assert.equal(toCosine(cal, -5), -1);
    assert.equal(toCosine(cal, 100), 1);
    assert.equal(toCosine(cal, 250), 1);
    const cosines = [1, 20, 50, 80, 90, 99, 99.9].map((s) => toCosine(cal, s));
    cosines.slice(1).forEach((c, i) => assert.ok(c > cosines[i]));
  });

  test('NaN is an error, not a silent pass', () => {
    assert.throws(() => toSimilarity(cal, Number.NaN), /NaN/);
    assert.throws(() => toCosine(cal, Number.NaN), /NaN/);
  });
});

describe('logisticSlope', () => {
  test('recovers the slope of data drawn from a known logistic model', () => {
    // 201 cosines × 200 labels each, with exactly round(200·σ(8x − 2)) positives.
    const xs: number[] = [];
    const ys: boolean[] = [];
    for (const x of grid(-1, 1, 200)) {
      const k = Math.round(200 / (1 + Math.exp(-(8 * x - 2))));
      for (let i = 0; i < 200; i++) {
        xs.push(x);
        ys.push(i < k);
      }
    }
    const slope = logisticSlope(xs, ys);
    assert.ok(Math.abs(slope - 8) < 0.05, `slope ${slope}`);
  });
});

describe('parseCalibration', () => {
  test('rejects malformed objects', () => {
    assert.throws(() => parseCalibration(null), /must be an object/);
    assert.throws(() => parseCalibration({ kind: 'linear' }), /unknown calibration kind/);
    const good = fitCalibration(lfwLike());
    assert.throws(() => parseCalibration({ ...good, slope: -1 }), /slope must be > 0/);
    assert.throws(() => parseCalibration({ ...good, cosineAt80: 'x' }), /cosineAt80 must be a finite number/);
    assert.throws(() => parseCalibration({ ...good, cosineAt80: 1 }), /cosineAt80 must be in/);
  });
});
