import type { TfTensor } from './load.js';

/** Permutes the axes of a tensor: output axis i is input axis perm[i]. */
export function transposeTensor(t: TfTensor, perm: readonly number[]): TfTensor {
  const rank = t.shape.length;
  if (perm.length !== rank) throw new Error(`perm [${perm.join(',')}] does not match rank ${rank}`);
  const inStrides = strides(t.shape);
  const outShape = perm.map((p) => t.shape[p]!);
  const out = t.dtype === 'int32' ? new Int32Array(t.values.length) : new Float32Array(t.values.length);
  // Strides of the input, reordered to walk it in output order.
  const walk = perm.map((p) => inStrides[p]!);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = t.values[source]!;
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      source += walk[axis]!;
      if (index[axis]! < outShape[axis]!) break;
      source -= walk[axis]! * outShape[axis]!;
      index[axis] = 0;
    }
  }
  return { dtype: t.dtype, shape: outShape, values: out };
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** TF conv filter [kh, kw, in, out] to ONNX [out, in, kh, kw]. */
export function convFilterToOnnx(w: TfTensor): TfTensor {
  return transposeTensor(w, [3, 2, 0, 1]);
}

/**
 * TF depthwise filter [kh, kw, in, multiplier] to an ONNX grouped-conv filter
 * [in * multiplier, 1, kh, kw]: TF numbers output channel c * multiplier + k, as ONNX groups do.
 */
export function depthwiseFilterToOnnx(w: TfTensor): TfTensor {
  const [kh, kw, channels, multiplier] = w.shape as [number, number, number, number];
  const t = transposeTensor(w, [2, 3, 0, 1]);
  return { ...t, shape: [channels * multiplier, 1, kh, kw] };
}

export function intValues(t: TfTensor): number[] {
  return Array.from(t.values, (v) => Number(v));
}
