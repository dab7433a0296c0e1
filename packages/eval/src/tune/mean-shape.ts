/**
 * Learns a mean face shape from many landmark sets by generalised Procrustes analysis: align every
 * shape to the current mean by a least-squares similarity, average, renormalise, repeat. The
 * result is what `mean51` alignment fits faces onto (packages/face/src/stages/mean-shape.ts).
 */
import { applyAffine } from '../../../face/src/image/rgb.js';
import { estimateSimilarity, type Point } from '../../../face/src/geometry/similarity.js';
import { IBUG_MIRROR } from '../../../face/src/stages/landmarks.js';
import { InvalidInputError } from '../errors.js';

/** Centroid at the origin and root-mean-square radius 1, so the mean cannot shrink or drift. */
export function normalizeShape(shape: readonly Point[]): Point[] {
  const n = shape.length;
  const cx = shape.reduce((s, p) => s + p[0], 0) / n;
  const cy = shape.reduce((s, p) => s + p[1], 0) / n;
  const rms = Math.sqrt(shape.reduce((s, [x, y]) => s + (x - cx) ** 2 + (y - cy) ** 2, 0) / n);
  if (!(rms > 1e-12)) throw new InvalidInputError('degenerate shape: all points coincide');
  return shape.map(([x, y]) => [(x - cx) / rms, (y - cy) / rms] as const);
}

function averageShape(shapes: readonly (readonly Point[])[]): Point[] {
  const n = shapes[0].length;
  return Array.from({ length: n }, (_, k): Point => [
    shapes.reduce((s, sh) => s + sh[k][0], 0) / shapes.length,
    shapes.reduce((s, sh) => s + sh[k][1], 0) / shapes.length,
  ]);
}

export interface ProcrustesResult {
  mean: Point[];
  /** Largest move of a mean point in the last iteration (RMS-radius units): how settled it is. */
  lastChange: number;
  iterations: number;
}

/**
 * Generalised Procrustes mean of `shapes` (same number of corresponding points each), normalised by
 * `normalizeShape`. Starts from the plain average, so the mean keeps the shapes' typical upright
 * orientation instead of one arbitrary shape's tilt.
 */
export function procrustesMean(shapes: readonly (readonly Point[])[], maxIterations = 10, tolerance = 1e-7): ProcrustesResult {
  if (shapes.length === 0) throw new InvalidInputError('no shapes to average');
  const n = shapes[0].length;
  if (shapes.some((s) => s.length !== n)) throw new InvalidInputError('shapes differ in point count');
  let mean = normalizeShape(averageShape(shapes.map(normalizeShape)));
  let lastChange = Infinity;
  let iterations = 0;
  while (iterations < maxIterations && lastChange > tolerance) {
    const aligned = shapes.map((s) => {
      const t = estimateSimilarity(s, mean);
      return s.map(([x, y]) => applyAffine(t, x, y) as Point);
    });
    const next = normalizeShape(averageShape(aligned));
    lastChange = Math.max(...next.map(([x, y], k) => Math.hypot(x - mean[k][0], y - mean[k][1])));
    mean = next;
    iterations++;
  }
  return { mean, lastChange, iterations };
}

/**
 * The shape scaled uniformly to unit width (x from 0 to 1) with its top at y = 0 — the frame
 * dlib uses for its mean shape, so chip geometries read the same way.
 */
export function toUnitBox(shape: readonly Point[]): Point[] {
  const xs = shape.map((p) => p[0]);
  const ys = shape.map((p) => p[1]);
  const left = Math.min(...xs);
  const width = Math.max(...xs) - left;
  const top = Math.min(...ys);
  if (!(width > 1e-12)) throw new InvalidInputError('shape has no width');
  return shape.map(([x, y]) => [(x - left) / width, (y - top) / width] as const);
}

/** The TypeScript source of the mean-shape constant, 5 decimals (≈0.01 px in a 150 chip). */
export function meanShapeSource(name: string, shape: readonly Point[], comment: string): string {
  const rows = shape.map(([x, y]) => `  [${x.toFixed(5)}, ${y.toFixed(5)}],`).join('\n');
  return `${comment}\nexport const ${name}: readonly Point[] = [\n${rows}\n];\n`;
}

/**
 * A 51-point (iBUG 17–67) shape averaged with its own mirror image, so the template has no
 * left/right bias of its own (the landmark model's, or the data set's, would otherwise be kept).
 * Mirrors about x = 0.5, the middle of a unit-box shape.
 */
export function symmetrize51(shape: readonly Point[]): Point[] {
  if (shape.length !== 51) throw new InvalidInputError(`expected 51 points, got ${shape.length}`);
  return shape.map(([x, y], j): Point => {
    const [mx, my] = shape[IBUG_MIRROR[j + 17] - 17];
    return [(x + 1 - mx) / 2, (y + my) / 2];
  });
}
