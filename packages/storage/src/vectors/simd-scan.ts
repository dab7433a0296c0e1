/**
 * The native half of LocalVectorIndex's exact search (usearch's prebuilt brute-force scan).
 */

/**
 * Slots of the `k` rows of `data` (n × dim: unit vectors, or their int8 codes) with the largest dot
 * product with `query` (of the same type).
 */
export type SimdScan = <T extends Float32Array | Int8Array>(data: T, query: T, dim: number, k: number) => Iterable<number>;

/** int8 code of a unit vector's component: round(x × 127), so every code fits in −127..127. */
export const CODE_SCALE = 127;

export function quantize(unit: Float32Array, out: Int8Array = new Int8Array(unit.length), offset = 0): Int8Array {
  for (let i = 0; i < unit.length; i++) out[offset + i] = Math.round(unit[i] * CODE_SCALE);
  return out;
}

/**
 * How many int8 candidates are rescored exactly for a top-k query. The codes' dot products are off
 * by about 0.003 (≈ 0.4 Similarity) from the exact ones at 128-d, far less than the gap between
 * the k-th and the (k + 64)-th neighbour, so the exact top k is among them (tested: same answers
 * as the plain loop).
 */
export function shortlistSize(k: number, size: number): number {
  return Math.min(size, 2 * k + 64);
}

/** Below this many vectors the plain loop is as fast as a native call. */
export const SIMD_MIN_VECTORS = 2048;

/**
 * usearch's exact (brute-force) search: the same scan as LocalVectorIndex's JS loop, in SIMD native code
 * (AVX-512 where the CPU has it) — about 3× less CPU per query at 100k × 128-d. Over int8 codes it
 * reads a quarter of the bytes (1.87 → 1.04 ms per query at 100k × 128-d, and less cache evicted
 * from the engine threads that share the cores).
 * Undefined when the prebuilt binary does not load on this platform: the loop then does it all.
 */
export async function loadSimdScan(): Promise<SimdScan | undefined> {
  try {
    const { exactSearch, MetricKind } = (await import('usearch')).default;
    return (data, query, dim, k) => {
      // The binding reads a typed array from the start of its buffer, ignoring byteOffset: copy views that do not start there.
      const found = exactSearch(startOfBuffer(data), startOfBuffer(query), dim, k, MetricKind.IP, 1);
      return Array.from(found.keys.subarray(0, Math.min(k, found.keys.length)), Number);
    };
  } catch {
    return undefined;
  }
}


function startOfBuffer<T extends Float32Array | Int8Array>(v: T): T {
  return v.byteOffset === 0 ? v : (v.slice() as T);
}
