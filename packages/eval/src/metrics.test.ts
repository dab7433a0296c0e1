import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from './errors.js';
import { accuracyAt, bestThreshold, crossValidate, meanStd, nextUp, rocAuc, tarAtFar } from './metrics.js';
import type { ScoredPair } from './metrics.js';

const pos = (score: number | null, fold?: number): ScoredPair => ({ score, same: true, fold });
const neg = (score: number | null, fold?: number): ScoredPair => ({ score, same: false, fold });

function near(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

// Sorted: .1n .3n .4p .5n .8p .9p — accuracy 5/6 when accepting >= .4 and when accepting >= .8.
const caseA = [pos(0.9), pos(0.8), pos(0.4), neg(0.5), neg(0.3), neg(0.1)];

describe('nextUp', () => {
  test('returns the neighbouring float64 above', () => {
    assert.equal(nextUp(1), 1 + 2 ** -52);
    assert.equal(nextUp(-1), -1 + 2 ** -53);
    assert.equal(nextUp(0), Number.MIN_VALUE);
    assert.ok(nextUp(0.3) > 0.3);
  });
});

describe('accuracyAt', () => {
  test('accepts a score equal to the threshold', () => {
    assert.equal(accuracyAt([pos(0.5), neg(0.5)], 0.5), 0.5);
    assert.equal(accuracyAt([pos(0.5), neg(0.4)], 0.5), 1);
  });
  test('a pair with a null score is wrong whatever its label and the threshold', () => {
    assert.equal(accuracyAt([pos(0.9), neg(0.1), pos(null), neg(null)], 0.5), 0.5);
    assert.equal(accuracyAt([neg(null)], 2), 0);
    assert.equal(accuracyAt([pos(null)], -2), 0);
  });
  test('rejects an empty set', () => {
    assert.throws(() => accuracyAt([], 0), InvalidInputError);
  });
});

describe('bestThreshold', () => {
  test('maximises accuracy and picks the midpoint of the widest optimal interval', () => {
    // Optimal intervals: (.3, .4] (width .1) and (.5, .8] (width .3) → midpoint .65.
    const choice = bestThreshold(caseA);
    near(choice.threshold, 0.65);
    near(choice.accuracy, 5 / 6);
    near(accuracyAt(caseA, choice.threshold), 5 / 6);
  });
  test('separable data → midpoint between the top negative and the bottom positive', () => {
    const choice = bestThreshold([pos(0.9), pos(0.8), neg(0.2), neg(0.1)]);
    near(choice.threshold, 0.5);
    assert.equal(choice.accuracy, 1);
  });
  test('ties between a positive and a negative are decided together', () => {
    // Groups .1n | .5p .5n | .7p. Accepting >= .5 and accepting >= .7 both give 3/4: one
    // contiguous optimal run over (.1, .7] → .4.
    const pairs = [pos(0.7), pos(0.5), neg(0.5), neg(0.1)];
    const choice = bestThreshold(pairs);
    assert.equal(choice.accuracy, 3 / 4);
    near(choice.threshold, 0.4);
  });
  test('only positives: accept everything at the lowest score', () => {
    const choice = bestThreshold([pos(0.7), pos(0.3)]);
    assert.equal(choice.threshold, 0.3);
    assert.equal(choice.accuracy, 1);
  });
  test('only negatives: reject everything, just above the top score', () => {
    const choice = bestThreshold([neg(0.7), neg(0.3)]);
    assert.equal(choice.threshold, nextUp(0.7));
    assert.equal(choice.accuracy, 1);
  });
  test('null scores count in the denominator but do not move the threshold', () => {
    const choice = bestThreshold([...caseA, pos(null), neg(null)]);
    near(choice.threshold, 0.65);
    near(choice.accuracy, 5 / 8);
  });
  test('errors without comparable pairs', () => {
    assert.throws(() => bestThreshold([pos(null)]), /no comparable pairs/);
    assert.throws(() => bestThreshold([]), InvalidInputError);
  });
});

describe('crossValidate', () => {
  // Hand-worked: fold 0 is tested at .625 (chosen on folds 1–2), fold 1 at .7, fold 2 at .575.
  const pairs = [pos(0.9, 0), neg(0.2, 0), pos(0.75, 1), neg(0.4, 1), pos(0.3, 2), neg(0.5, 2)];

  test('chooses each fold threshold on the other folds and reports mean ± population std', () => {
    const cv = crossValidate(pairs);
    assert.deepEqual(cv.folds.map((f) => f.fold), [0, 1, 2]);
    near(cv.folds[0].threshold, 0.625);
    near(cv.folds[1].threshold, 0.7);
    near(cv.folds[2].threshold, 0.575);
    assert.deepEqual(cv.folds.map((f) => f.accuracy), [1, 1, 0.5]);
    near(cv.accuracy, 2.5 / 3);
    near(cv.accuracyStd, Math.sqrt(1 / 18));
    near(cv.threshold, (0.625 + 0.7 + 0.575) / 3);
  });
  test('rejects missing or gapped folds', () => {
    assert.throws(() => crossValidate([pos(0.9, 0), neg(0.1)]), /pair 1 has no valid fold/);
    assert.throws(() => crossValidate([pos(0.9, 0), neg(0.1, 0)]), /at least 2 folds/);
    assert.throws(() => crossValidate([pos(0.9, 0), neg(0.1, 2)]), /fold 1 is empty/);
    assert.throws(() => crossValidate([pos(0.9, 0), neg(0.1, 1.5)]), /no valid fold/);
  });
});

describe('rocAuc', () => {
  test('counts wins over every positive/negative combination', () => {
    // .9 and .8 beat all three negatives, .4 beats two → 8/9.
    near(rocAuc(caseA), 8 / 9);
  });
  test('a tie counts one half', () => {
    // (.5,.5) tie → .5, (.5,.1) → 1, (.3,.5) → 0, (.3,.1) → 1.
    near(rocAuc([pos(0.5), pos(0.3), neg(0.5), neg(0.1)]), 2.5 / 4);
    assert.equal(rocAuc([pos(0.4), neg(0.4)]), 0.5);
  });
  test('perfect and inverted rankings', () => {
    assert.equal(rocAuc([pos(0.9), pos(0.8), neg(0.2)]), 1);
    assert.equal(rocAuc([pos(0.1), neg(0.2), neg(0.9)]), 0);
  });
  test('null scores rank as wrong: positives lowest, negatives highest', () => {
    near(rocAuc([...caseA, pos(null)]), 8 / 12);
    near(rocAuc([...caseA, pos(null), neg(null)]), 8 / 16);
  });
  test('needs both classes', () => {
    assert.throws(() => rocAuc([pos(0.4)]), /both classes/);
  });
});

describe('tarAtFar', () => {
  const negatives = Array.from({ length: 10 }, (_, i) => neg(i / 10)); // 0, .1, …, .9
  const positives = [pos(0.95), pos(0.85), pos(0.55), pos(0.2)];
  const pairs = [...positives, ...negatives];

  test('the threshold is the smallest that keeps false accepts within FAR × negatives', () => {
    const r = tarAtFar(pairs, 0.1);
    assert.equal(r.allowedFalseAccepts, 1);
    assert.equal(r.threshold, nextUp(0.8));
    assert.equal(r.falseAccepts, 1);
    assert.equal(r.tar, 0.5);
    assert.equal(r.negatives, 10);
    assert.equal(r.positives, 4);
  });
  test('too few negatives for the FAR → no false accept at all', () => {
    const r = tarAtFar(pairs, 1e-3);
    assert.equal(r.allowedFalseAccepts, 0);
    assert.equal(r.threshold, nextUp(0.9));
    assert.equal(r.falseAccepts, 0);
    assert.equal(r.tar, 0.25);
  });
  test('a tie at the cut-off rejects every tied negative', () => {
    const r = tarAtFar([pos(0.95), pos(0.9), neg(0.9), neg(0.9), ...negatives.slice(0, 8)], 0.1);
    assert.equal(r.allowedFalseAccepts, 1);
    assert.equal(r.threshold, nextUp(0.9));
    assert.equal(r.falseAccepts, 0);
    assert.equal(r.tar, 0.5);
  });
  test('FAR × negatives is not truncated by float rounding', () => {
    const many = Array.from({ length: 3000 }, (_, i) => neg(i / 3000));
    assert.equal(tarAtFar([pos(1), ...many], 1e-3).allowedFalseAccepts, 3);
  });
  test('null scores are never accepted: a missed positive, never a false accept', () => {
    const r = tarAtFar([...pairs, pos(null), neg(null)], 0.1);
    assert.equal(r.threshold, nextUp(0.8));
    assert.equal(r.tar, 2 / 5);
    assert.equal(r.falseAccepts, 1);
    assert.equal(r.negatives, 11);
  });
  test('when only null negatives are left to reject, everything comparable is accepted', () => {
    const r = tarAtFar([pos(0.3), pos(0.8), neg(null), neg(0.5)], 0.5);
    assert.equal(r.allowedFalseAccepts, 1);
    assert.equal(r.threshold, 0.3);
    assert.equal(r.tar, 1);
    assert.equal(r.falseAccepts, 1);
  });
  test('validates its inputs', () => {
    assert.throws(() => tarAtFar(pairs, 1), /FAR must be in/);
    assert.throws(() => tarAtFar(pairs, -0.1), /FAR must be in/);
    assert.throws(() => tarAtFar(negatives, 0.1), /both classes/);
  });
});

describe('meanStd', () => {
  test('population standard deviation', () => {
    assert.deepEqual(meanStd([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, std: 2 });
    assert.throws(() => meanStd([]), InvalidInputError);
  });
});

describe('agreement with brute force on random pairs with many ties', () => {
  // A fixed linear congruential generator keeps the data identical on every run.
  function randomPairs(seed: number, n: number): ScoredPair[] {
    let state = seed;
    const rand = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    return Array.from({ length: n }, () => {
      const same = rand() < 0.5;
      // Two decimals → many tied scores; positives shifted up so the task is learnable.
      const score = rand() < 0.05 ? null : Math.round((rand() + (same ? 0.3 : 0)) * 100) / 100;
      return { score, same };
    });
  }
  const candidates = (pairs: readonly ScoredPair[]): number[] => {
    const scores = pairs.flatMap((p) => (p.score === null ? [] : [p.score]));
    return [...scores, ...scores.map(nextUp), -Infinity, Infinity];
  };

  for (const seed of [1, 2, 3]) {
    const pairs = randomPairs(seed, 300);
    test(`seed ${seed}: AUC equals the pairwise count`, () => {
      let wins = 0;
      let count = 0;
      const eff = (p: ScoredPair): number => p.score ?? (p.same ? -Infinity : Infinity);
      for (const a of pairs.filter((p) => p.same)) {
        for (const b of pairs.filter((p) => !p.same)) {
          count++;
          if (eff(a) > eff(b)) wins++;
          else if (eff(a) === eff(b)) wins += 0.5;
        }
      }
      near(rocAuc(pairs), wins / count);
    });
    test(`seed ${seed}: best threshold reaches the best accuracy of any threshold`, () => {
      const best = Math.max(...candidates(pairs).map((t) => accuracyAt(pairs, t)));
      const choice = bestThreshold(pairs);
      assert.equal(choice.accuracy, best);
      assert.equal(accuracyAt(pairs, choice.threshold), best);
    });
    test(`seed ${seed}: TAR@FAR threshold is the smallest candidate within the budget`, () => {
      const far = 0.05;
      const r = tarAtFar(pairs, far);
      const negs = pairs.filter((p) => !p.same);
      const fa = (t: number): number => negs.filter((p) => p.score !== null && p.score >= t).length;
      const smallest = Math.min(...candidates(pairs).filter((t) => fa(t) <= r.allowedFalseAccepts));
      assert.equal(r.threshold, smallest);
      assert.equal(r.falseAccepts, fa(smallest));
    });
  }
});
