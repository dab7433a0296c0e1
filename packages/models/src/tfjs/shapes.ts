/** A dimension: a size, or a name for one only known at run time (the batch). */
export type Dim = number | string;

export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** NumPy/ONNX multidirectional broadcasting of two shapes. */
export function broadcast(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (typeof x === 'string') out.push(y);
    else if (typeof y === 'string') out.push(x);
    else throw new ShapeError(`cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
  }
  return out;
}

/** Output size of a convolution or pooling window along one axis, TF semantics. */
export function windowOutput(size: Dim, kernel: number, stride: number, dilation: number, padding: 'SAME' | 'VALID', padTotal = 0): Dim {
  if (typeof size === 'string') return size;
  if (padding === 'SAME') return Math.ceil(size / stride);
  const effective = (kernel - 1) * dilation + 1;
  return Math.floor((size + padTotal - effective) / stride) + 1;
}

/** TF "SAME" padding split as ONNX SAME_UPPER does it: the odd pixel goes after. */
export function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Resolves a Reshape target (with at most one -1) against the input shape. */
export function reshapeTarget(input: readonly Dim[], target: readonly number[]): Dim[] {
  const unknown = target.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`reshape target [${target.join(',')}] has more than one -1`);
  if (target.some((d) => d === 0)) throw new ShapeError('reshape targets with 0 are not supported');
  if (unknown === 0) return [...target];
  const symbols = input.filter((d): d is string => typeof d === 'string');
  const known = input.filter((d): d is number => typeof d === 'number').reduce((a, b) => a * b, 1);
  const rest = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  let inferred: Dim;
  if (symbols.length === 0) inferred = known / rest;
  else if (symbols.length === 1 && known === rest) inferred = symbols[0]!;
  else throw new ShapeError(`cannot infer -1 of reshape [${target.join(',')}] from [${input.join(',')}]`);
  if (typeof inferred === 'number' && !Number.isInteger(inferred)) {
    throw new ShapeError(`reshape [${input.join(',')}] -> [${target.join(',')}] does not divide`);
  }
  return target.map((d) => (d === -1 ? inferred : d));
}

export function normaliseAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}
