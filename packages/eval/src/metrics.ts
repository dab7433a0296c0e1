/**
 * Verification metrics on scored pairs. A pair is accepted as "same person" when
 * `score >= threshold` (Rekognition's SimilarityThreshold semantics).
 *
 * A pair whose score is null could not be compared (an image had no face). Such a pair is WRONG at
 * every threshold for accuracy and AUC: a same-person pair ranks below everything, a
 * different-person pair above everything. For TAR at FAR it is simply never accepted: a deployed
 * system returns no match without a face, so it cannot be a false accept, but it is a missed
 * true accept.
 */
import { InvalidInputError } from './errors.js';

export interface ScoredPair {
  /** Cosine similarity (higher = more alike); null when the pair could not be compared. */
  score: number | null;
  same: boolean;
  /** LFW-style fold 0..9 for the cross-validation protocol. */
  fold?: number;
}

export interface ThresholdChoice {
  threshold: number;
  /** Accuracy of that threshold on the pairs it was chosen on. */
  accuracy: number;
}

/** One run of tied scores: how many positives and negatives share the value. */
interface ScoreGroup {
  value: number;
  positives: number;
  negatives: number;
}

/** The smallest float64 strictly greater than `x`. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigInt64(0);
  // Positive floats grow with their bit pattern, negative ones shrink.
  buf.setBigInt64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  requireNonEmpty(pairs);
  let correct = 0;
  for (const p of pairs) {
    if (p.score === null) continue;
    if ((p.score >= threshold) === p.same) correct++;
  }
  return correct / pairs.length;
}

/**
 * The threshold that maximises accuracy. Every threshold between two neighbouring distinct scores
 * makes the same decisions, so the optimum is a run of such intervals; the choice is the midpoint
 * of the widest optimal run (the lowest one on a tie), which keeps the largest margin to the
 * training scores instead of sitting on one of them.
 */
export function bestThreshold(pairs: readonly ScoredPair[]): ThresholdChoice {
  requireNonEmpty(pairs);
  const groups = groupScores(pairs.filter(isComparable));
  if (groups.length === 0) throw new InvalidInputError('no comparable pairs (every pair has a null score)');
  const correct = correctPerClass(groups);
  const best = correct.reduce((a, b) => Math.max(a, b), 0);
  const run = widestOptimalRun(groups, correct, best);
  return { threshold: thresholdInRun(groups, run.first, run.last), accuracy: best / pairs.length };
}

/**
 * Correct decisions for each threshold class j = 0..m: class j accepts the scores >= groups[j]
 * (class m accepts none).
 */
function correctPerClass(groups: readonly ScoreGroup[]): number[] {
  let posAccepted = groups.reduce((n, g) => n + g.positives, 0);
  let negRejected = 0;
  const correct = [posAccepted];
  for (const g of groups) {
    posAccepted -= g.positives;
    negRejected += g.negatives;
    correct.push(posAccepted + negRejected);
  }
  return correct;
}

function widestOptimalRun(groups: readonly ScoreGroup[], correct: readonly number[], best: number): { first: number; last: number } {
  let chosen: { first: number; last: number; width: number } | undefined;
  let j = 0;
  while (j < correct.length) {
    if (correct[j] !== best) {
      j++;
      continue;
    }
    const first = j;
    while (j + 1 < correct.length && correct[j + 1] === best) j++;
    const { lo, hi } = runBounds(groups, first, j);
    if (chosen === undefined || hi - lo > chosen.width) chosen = { first, last: j, width: hi - lo };
    j++;
  }
  if (chosen === undefined) throw new Error('unreachable: the maximum is always attained');
  return chosen;
}

/** Score span of a run of classes, with the unbounded ends clipped to the observed scores. */
function runBounds(groups: readonly ScoreGroup[], first: number, last: number): { lo: number; hi: number } {
  const m = groups.length;
  const lo = first === 0 ? groups[0].value : groups[first - 1].value;
  const hi = last === m ? groups[m - 1].value : groups[last].value;
  return { lo, hi };
}

function thresholdInRun(groups: readonly ScoreGroup[], first: number, last: number): number {
  const m = groups.length;
  // Only "reject everything" is optimal: the threshold must exceed the top score.
  if (first === m) return nextUp(groups[m - 1].value);
  const { lo, hi } = runBounds(groups, first, last);
  const mid = lo + (hi - lo) / 2;
  // Class `first` >= 1 needs a threshold strictly above groups[first-1]; rounding can land on it.
  if (first > 0 && mid <= lo) return hi;
  return mid;
}

export interface FoldResult {
  fold: number;
  threshold: number;
  accuracy: number;
  pairs: number;
}

export interface CrossValidation {
  /** Mean of the per-fold accuracies. */
  accuracy: number;
  /** Population standard deviation of the per-fold accuracies (as LFW evaluation code reports). */
  accuracyStd: number;
  /** Mean of the per-fold thresholds. */
  threshold: number;
  folds: FoldResult[];
}

/**
 * LFW's protocol: for each fold, choose the threshold on all other folds and measure on it.
 * Every pair must carry an integer fold; the folds present must be 0..k-1 with k >= 2.
 */
export function crossValidate(pairs: readonly ScoredPair[]): CrossValidation {
  requireNonEmpty(pairs);
  const byFold = splitByFold(pairs);
  const folds: FoldResult[] = [];
  for (const [fold, test] of byFold) {
    const train = pairs.filter((p) => p.fold !== fold);
    const { threshold } = bestThreshold(train);
    folds.push({ fold, threshold, accuracy: accuracyAt(test, threshold), pairs: test.length });
  }
  const acc = meanStd(folds.map((f) => f.accuracy));
  return { accuracy: acc.mean, accuracyStd: acc.std, threshold: meanStd(folds.map((f) => f.threshold)).mean, folds };
}

function splitByFold(pairs: readonly ScoredPair[]): Map<number, ScoredPair[]> {
  const byFold = new Map<number, ScoredPair[]>();
  pairs.forEach((p, i) => {
    if (p.fold === undefined || !Number.isInteger(p.fold) || p.fold < 0) {
      throw new InvalidInputError(`pair ${i} has no valid fold (got ${String(p.fold)})`);
    }
    const list = byFold.get(p.fold) ?? [];
    list.push(p);
    byFold.set(p.fold, list);
  });
  const k = byFold.size;
  if (k < 2) throw new InvalidInputError(`cross-validation needs at least 2 folds, got ${k}`);
  for (let f = 0; f < k; f++) {
    if (!byFold.has(f)) throw new InvalidInputError(`folds must be numbered 0..${k - 1}; fold ${f} is empty`);
  }
  return new Map([...byFold.entries()].sort((a, b) => a[0] - b[0]));
}

/**
 * ROC AUC = P(score of a random positive > score of a random negative), ties counting one half
 * (the Mann–Whitney statistic), computed exactly over all positive/negative combinations.
 */
export function rocAuc(pairs: readonly ScoredPair[]): number {
  const groups = groupScores(pairs.map(pessimisticScore));
  let positives = 0;
  let negatives = 0;
  let wins = 0;
  // Ascending order: every negative counted so far scores strictly below this group.
  for (const g of groups) {
    wins += g.positives * negatives + 0.5 * g.positives * g.negatives;
    positives += g.positives;
    negatives += g.negatives;
  }
  if (positives === 0 || negatives === 0) {
    throw new InvalidInputError(`AUC needs both classes (got ${positives} same, ${negatives} different pairs)`);
  }
  return wins / (positives * negatives);
}

export interface TarAtFar {
  /** Fraction of all same-person pairs accepted at `threshold`. */
  tar: number;
  /** The smallest threshold whose false accepts stay within `allowedFalseAccepts`. */
  threshold: number;
  far: number;
  negatives: number;
  positives: number;
  /** floor(far × negatives): with 500 negatives, FAR 1e-3 allows none. */
  allowedFalseAccepts: number;
  /** False accepts actually made at `threshold` (fewer than allowed when scores tie). */
  falseAccepts: number;
}

export function tarAtFar(pairs: readonly ScoredPair[], far: number): TarAtFar {
  if (!(far >= 0 && far < 1)) throw new InvalidInputError(`FAR must be in [0, 1), got ${far}`);
  const positives = pairs.filter((p) => p.same);
  const negatives = pairs.filter((p) => !p.same);
  if (positives.length === 0 || negatives.length === 0) {
    throw new InvalidInputError(`TAR at FAR needs both classes (got ${positives.length} same, ${negatives.length} different pairs)`);
  }
  // The epsilon absorbs products like 1e-3 × 3000 = 2.9999999999999996.
  const allowed = Math.floor(far * negatives.length + 1e-9);
  const threshold = smallestThresholdWithin(pairs, negatives, allowed);
  const accepted = (p: ScoredPair): boolean => p.score !== null && p.score >= threshold;
  return {
    tar: positives.filter(accepted).length / positives.length,
    threshold,
    far,
    negatives: negatives.length,
    positives: positives.length,
    allowedFalseAccepts: allowed,
    falseAccepts: negatives.filter(accepted).length,
  };
}

function smallestThresholdWithin(all: readonly ScoredPair[], negatives: readonly ScoredPair[], allowed: number): number {
  const negScores = negatives.filter(isComparable).map((p) => p.score).sort((a, b) => b - a);
  if (allowed < negScores.length) return nextUp(negScores[allowed]);
  // Every comparable negative may be accepted: the threshold that accepts all comparable pairs.
  const finite = all.filter(isComparable).map((p) => p.score);
  if (finite.length === 0) throw new InvalidInputError('no comparable pairs (every pair has a null score)');
  return finite.reduce((a, b) => Math.min(a, b), Infinity);
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) throw new InvalidInputError('mean of no values');
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

function requireNonEmpty(pairs: readonly ScoredPair[]): void {
  if (pairs.length === 0) throw new InvalidInputError('no pairs');
}

type ComparablePair = ScoredPair & { score: number };

function isComparable(p: ScoredPair): p is ComparablePair {
  return p.score !== null;
}

function pessimisticScore(p: ScoredPair): ComparablePair {
  if (p.score !== null) return p as ComparablePair;
  return { ...p, score: p.same ? -Infinity : Infinity };
}

function groupScores(pairs: readonly ScoredPair[]): ScoreGroup[] {
  const sorted = pairs.filter(isComparable).sort((a, b) => a.score - b.score);
  const groups: ScoreGroup[] = [];
  for (const p of sorted) {
    if (Number.isNaN(p.score)) throw new InvalidInputError('a score is NaN');
    let last = groups[groups.length - 1];
    if (last === undefined || last.value !== p.score) {
      last = { value: p.score, positives: 0, negatives: 0 };
      groups.push(last);
    }
    if (p.same) last.positives++;
    else last.negatives++;
  }
  return groups;
}
