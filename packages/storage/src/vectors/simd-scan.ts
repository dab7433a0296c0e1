/**
 * The native half of LocalVectorIndex's exact search (usearch's prebuilt brute-force scan).
 */

/** Slots of the `k` rows of `data` (n × dim, unit vectors) with the largest dot product with `query`. */
export type SimdScan = (data: Float32Array, query: Float32Array, dim: number, k: number) => Iterable<number>;

/** Below this many vectors the plain loop is as fast as a native call. */
export const SIMD_MIN_VECTORS = 2048;

/**
 * usearch's exact (brute-force) search: the same scan as LocalVectorIndex's JS loop, in SIMD native code
 * (AVX-512 where the CPU has it) — about 3× less CPU per query at 100k × 128-d. Recall stays 1.
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


function startOfBuffer(v: Float32Array): Float32Array {
  return v.byteOffset === 0 ? v : v.slice();
}
