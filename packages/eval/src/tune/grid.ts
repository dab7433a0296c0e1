import { InvalidInputError } from '../errors.js';

/**
 * Parses a list of numbers: `1.1,1.2,1.3`, or ranges `start:stop:step` (stop included), or both
 * mixed (`0.9,1.1:1.3:0.1`). Values are rounded to 6 decimals so 0.1 steps print cleanly.
 */
export function parseNumberList(text: string, what: string): number[] {
  const values: number[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const bits = part.split(':').map(Number);
    if (bits.some((b) => !Number.isFinite(b))) throw new InvalidInputError(`${what}: "${part}" is not a number or start:stop:step`);
    if (bits.length === 1) values.push(bits[0]);
    else if (bits.length === 3) values.push(...range(bits[0], bits[1], bits[2], what));
    else throw new InvalidInputError(`${what}: "${part}" is not a number or start:stop:step`);
  }
  if (values.length === 0) throw new InvalidInputError(`${what}: no values`);
  return [...new Set(values.map(round6))];
}

function range(start: number, stop: number, step: number, what: string): number[] {
  if (step <= 0 || stop < start) throw new InvalidInputError(`${what}: range needs start <= stop and a positive step`);
  const n = Math.floor((stop - start) / step + 1e-9);
  if (n > 1000) throw new InvalidInputError(`${what}: range has more than 1000 values`);
  return Array.from({ length: n + 1 }, (_, i) => start + i * step);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export interface GeometryCandidate {
  scale: number;
  shiftY: number;
}

/** Every scale × shiftY combination, scale-major. */
export function geometryGrid(scales: readonly number[], shifts: readonly number[]): GeometryCandidate[] {
  return scales.flatMap((scale) => shifts.map((shiftY) => ({ scale, shiftY })));
}

/** An ensemble member written `id:size:scale:shiftY` (e.g. `face-recognition:150:1.25:-0.18`). */
export interface MemberSpec extends GeometryCandidate {
  id: string;
  size: number;
}

export function parseMember(text: string): MemberSpec {
  const [id, ...rest] = text.split(':');
  const nums = rest.map(Number);
  if (!id || nums.length !== 3 || nums.some((n) => !Number.isFinite(n)) || !Number.isInteger(nums[0]) || nums[0] <= 0) {
    throw new InvalidInputError(`ensemble member "${text}" is not id:size:scale:shiftY`);
  }
  return { id, size: nums[0], scale: nums[1], shiftY: nums[2] };
}
