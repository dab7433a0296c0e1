/**
 * Maps cosine similarity to Rekognition's 0–100 "Similarity".
 *
 * Rekognition's scale is saturated: the same person typically scores 99+, different people near 0,
 * and 80 is the default threshold. A logistic curve has that shape, so
 *
 *   Similarity(c) = 100 · σ(slope · (c − cosineAt80) + ln 4)        (σ(ln 4) = 0.8)
 *
 * `cosineAt80` is placed so that the false-match rate of "Similarity >= 80" on the fitting pairs is
 * at most a chosen target, and `slope` comes from a logistic regression of same-vs-different on
 * cosine, so the steepness reflects how well the model separates the classes.
 */
import { CalibrationError, InvalidInputError } from './errors.js';
import type { ScoredPair } from './metrics.js';

export interface LogisticCalibration {
  kind: 'logistic';
  /** Cosine that maps to Similarity 80. */
  cosineAt80: number;
  /** Change of the log-odds per unit of cosine; > 0. */
  slope: number;
  /** The false-match rate the fit aimed for at Similarity 80. */
  targetFmr: number;
  /** Measured on the fitting pairs: fraction of different-person pairs with Similarity >= 80. */
  fmrAt80: number;
  /** Measured on the fitting pairs: fraction of same-person pairs with Similarity >= 80. */
  tarAt80: number;
  /** Comparable pairs the fit used (pairs with a null score are left out). */
  negatives: number;
  positives: number;
}

export type Calibration = LogisticCalibration;

export interface FitOptions {
  /** False-match rate at Similarity 80 on the fitting pairs (default 1e-3). */
  targetFmr?: number;
}

const LOGIT_80 = Math.log(4);
/**
 * Largest log-odds reached at cosine 1. Beyond ~36, σ rounds to exactly 1 in float64 and the map
 * would stop being strictly increasing; 25 keeps a wide margin.
 */
const MAX_TOP_LOGIT = 25;

export function toSimilarity(cal: Calibration, cosine: number): number {
  if (Number.isNaN(cosine)) throw new InvalidInputError('cosine is NaN');
  const c = clamp(cosine, -1, 1);
  const z = cal.slope * (c - cal.cosineAt80) + LOGIT_80;
  return clamp(100 / (1 + Math.exp(-z)), 0, 100);
}

/** The cosine threshold equivalent to a Similarity threshold (inverse of `toSimilarity`). */
export function toCosine(cal: Calibration, similarity: number): number {
  if (Number.isNaN(similarity)) throw new InvalidInputError('similarity is NaN');
  if (similarity <= 0) return -1;
  if (similarity >= 100) return 1;
  const p = similarity / 100;
  const z = Math.log(p / (1 - p));
  return clamp(cal.cosineAt80 + (z - LOGIT_80) / cal.slope, -1, 1);
}

export function fitCalibration(pairs: readonly ScoredPair[], options: FitOptions = {}): Calibration {
  const targetFmr = options.targetFmr ?? 1e-3;
  if (!(targetFmr >= 0 && targetFmr < 1)) throw new InvalidInputError(`targetFmr must be in [0, 1), got ${targetFmr}`);
  const xs: number[] = [];
  const ys: boolean[] = [];
  for (const p of pairs) {
    if (p.score === null) continue;
    if (!Number.isFinite(p.score)) throw new InvalidInputError(`score ${p.score} is not finite`);
    xs.push(p.score);
    ys.push(p.same);
  }
  const positives = ys.filter((y) => y).length;
  const negatives = ys.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new CalibrationError(`calibration needs both classes (got ${positives} same, ${negatives} different comparable pairs)`);
  }
  const cosineAt80 = cosineForFmr(xs, ys, targetFmr);
  const fitted = logisticSlope(xs, ys);
  if (!(fitted > 0)) throw new CalibrationError(`cosine does not separate same from different people (fitted slope ${fitted})`);
  const slope = Math.min(fitted, (MAX_TOP_LOGIT - LOGIT_80) / (1 - cosineAt80));
  const draft: Calibration = { kind: 'logistic', cosineAt80, slope, targetFmr, fmrAt80: 0, tarAt80: 0, negatives, positives };
  // Measured through toSimilarity itself, so the reported rates are exactly what a caller gets.
  const accepted = xs.map((x) => toSimilarity(draft, x) >= 80);
  const falseMatches = accepted.filter((a, i) => a && !ys[i]).length;
  const trueMatches = accepted.filter((a, i) => a && ys[i]).length;
  return { ...draft, fmrAt80: falseMatches / negatives, tarAt80: trueMatches / positives };
}

/**
 * The cosine where "accept if >=" lets through at most floor(target × negatives) negatives: the
 * midpoint between the highest negative that must be rejected and the next higher score, so that
 * float rounding in the logistic cannot flip a fitting pair across Similarity 80.
 */
function cosineForFmr(xs: readonly number[], ys: readonly boolean[], targetFmr: number): number {
  const negScores = xs.filter((_, i) => !ys[i]).sort((a, b) => b - a);
  const allowed = Math.floor(targetFmr * negScores.length + 1e-9);
  const cutoff = negScores[allowed];
  if (cutoff === undefined) throw new CalibrationError(`target FMR ${targetFmr} accepts every negative`);
  const above = xs.filter((x) => x > cutoff);
  const next = above.length > 0 ? above.reduce((a, b) => Math.min(a, b), Infinity) : 1;
  if (!(next > cutoff)) throw new CalibrationError(`a different-person pair scores ${cutoff}: no cosine below 1 rejects it`);
  return cutoff + (next - cutoff) / 2;
}

/**
 * Slope of a one-feature logistic regression P(same | x) = σ(a·x + b), fitted by damped Newton
 * steps. A small ridge on `a` keeps it finite when the classes are perfectly separable.
 */
export function logisticSlope(xs: readonly number[], ys: readonly boolean[]): number {
  const ridge = 1e-3;
  let a = 0;
  let b = 0;
  let loss = negLogLikelihood(xs, ys, a, b, ridge);
  for (let iter = 0; iter < 200; iter++) {
    const step = newtonStep(xs, ys, a, b, ridge);
    let t = 1;
    let next = negLogLikelihood(xs, ys, a - t * step.da, b - t * step.db, ridge);
    while (next > loss && t > 1e-8) {
      t /= 2;
      next = negLogLikelihood(xs, ys, a - t * step.da, b - t * step.db, ridge);
    }
    a -= t * step.da;
    b -= t * step.db;
    const improvement = loss - next;
    loss = next;
    if (improvement >= 0 && improvement < 1e-12 * Math.max(1, loss)) break;
  }
  return a;
}

function newtonStep(xs: readonly number[], ys: readonly boolean[], a: number, b: number, ridge: number): { da: number; db: number } {
  let ga = ridge * a;
  let gb = 0;
  let haa = ridge;
  let hab = 0;
  let hbb = 0;
  xs.forEach((x, i) => {
    const p = sigmoid(a * x + b);
    const r = p - (ys[i] ? 1 : 0);
    const w = p * (1 - p);
    ga += r * x;
    gb += r;
    haa += w * x * x;
    hab += w * x;
    hbb += w;
  });
  // A tiny diagonal term keeps the 2×2 solve defined once every point is confidently classified.
  hbb += 1e-12;
  const det = haa * hbb - hab * hab;
  return { da: (hbb * ga - hab * gb) / det, db: (haa * gb - hab * ga) / det };
}

function negLogLikelihood(xs: readonly number[], ys: readonly boolean[], a: number, b: number, ridge: number): number {
  let sum = 0.5 * ridge * a * a;
  xs.forEach((x, i) => {
    const z = a * x + b;
    // log(1 + e^-z) for the positive class, log(1 + e^z) for the negative, both overflow-safe.
    sum += softplus(ys[i] ? -z : z);
  });
  return sum;
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Validates a calibration read from JSON (a file or a database row). */
export function parseCalibration(value: unknown): Calibration {
  if (typeof value !== 'object' || value === null) throw new CalibrationError('calibration must be an object');
  const v = value as Record<string, unknown>;
  if (v.kind !== 'logistic') throw new CalibrationError(`unknown calibration kind ${JSON.stringify(v.kind)}`);
  const num = (key: string): number => {
    const n = v[key];
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new CalibrationError(`calibration.${key} must be a finite number`);
    return n;
  };
  const cal: Calibration = {
    kind: 'logistic',
    cosineAt80: num('cosineAt80'),
    slope: num('slope'),
    targetFmr: num('targetFmr'),
    fmrAt80: num('fmrAt80'),
    tarAt80: num('tarAt80'),
    negatives: num('negatives'),
    positives: num('positives'),
  };
  if (!(cal.slope > 0)) throw new CalibrationError('calibration.slope must be > 0');
  if (!(cal.cosineAt80 > -1 && cal.cosineAt80 < 1)) throw new CalibrationError('calibration.cosineAt80 must be in (-1, 1)');
  return cal;
}
