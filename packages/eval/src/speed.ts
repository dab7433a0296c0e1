/**
 * The throughput benchmark: album-mode analysis with embeddings over every image of a folder,
 * `threads` calls in flight. Files are read before the clock starts, so the numbers are the
 * engine's, not the disk's.
 */
import { join } from 'node:path';
import type { FaceEngine, StageTimings } from '@facerec/face';
import { ImageFailedError, InvalidInputError } from './errors.js';
import { listImages, readRequired } from './files.js';
import { mapConcurrent } from './pool.js';
import type { ProgressCallback } from './progress.js';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new InvalidInputError('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new InvalidInputError(`percentile must be in [0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function percentiles(values: readonly number[]): Percentiles {
  return { p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) };
}

export interface SpeedBenchOptions {
  engine: FaceEngine;
  /** Folder of images (searched recursively, JPEG/PNG). */
  images: string;
  /** Engine calls in flight (default 1). */
  threads?: number;
  /** Untimed runs before measuring, sequential (default 3; fewer if the folder is smaller). */
  warmup?: number;
  /** Also compute attributes (default false). */
  attributes?: boolean;
  onProgress?: ProgressCallback;
}

export interface StageSplit {
  decodeMs: number;
  detectMs: number;
  embedMs: number;
  attributesMs: number;
}

export interface SpeedBenchResult {
  model_version: string;
  threads: number;
  images: number;
  faces: number;
  warmup_runs: number;
  wall_ms: number;
  images_per_second: number;
  /** images_per_second ÷ threads. */
  images_per_second_per_core: number;
  /** Wall time ÷ images (throughput, not latency). */
  ms_per_image: number;
  /** Wall time ÷ faces found; null when no face was found. */
  ms_per_face: number | null;
  /** Per-call latency of engine.analyze. */
  latency_ms: Percentiles;
  /** Mean per image of the engine's own stage timings. */
  stages_ms: StageSplit;
}

interface Sample {
  ms: number;
  faces: number;
  timings: StageTimings;
}

export async function runSpeedBench(options: SpeedBenchOptions): Promise<SpeedBenchResult> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new InvalidInputError(`threads must be a positive integer, got ${threads}`);
  const files = await listImages(options.images, { recursive: true });
  if (files.length === 0) throw new InvalidInputError(`no JPEG/PNG images under ${options.images}`);
  const inputs = await Promise.all(files.map(async (f) => ({ path: f, bytes: await readRequired(join(options.images, f), 'image') })));
  const analyzeOptions = { mode: 'album', embed: true, attributes: options.attributes ?? false } as const;
  const run = async (input: { path: string; bytes: Uint8Array }): Promise<Sample> => {
    const started = performance.now();
    try {
      const analysis = await options.engine.analyze(input.bytes, analyzeOptions);
      return { ms: performance.now() - started, faces: analysis.faces.length, timings: analysis.timings };
    } catch (error) {
      throw new ImageFailedError(input.path, error);
    }
  };
  const warmup = Math.min(options.warmup ?? 3, inputs.length);
  for (const input of inputs.slice(0, warmup)) await run(input);
  let done = 0;
  const started = performance.now();
  const samples = await mapConcurrent(inputs, threads, async (input) => {
    const sample = await run(input);
    options.onProgress?.(++done, inputs.length);
    return sample;
  });
  return summarise(options.engine.modelVersion, threads, warmup, performance.now() - started, samples);
}

function summarise(modelVersion: string, threads: number, warmup: number, wallMs: number, samples: readonly Sample[]): SpeedBenchResult {
  const faces = samples.reduce((s, x) => s + x.faces, 0);
  const imagesPerSecond = (samples.length * 1000) / wallMs;
  const mean = (pick: (t: StageTimings) => number): number => samples.reduce((s, x) => s + pick(x.timings), 0) / samples.length;
  return {
    model_version: modelVersion,
    threads,
    images: samples.length,
    faces,
    warmup_runs: warmup,
    wall_ms: wallMs,
    images_per_second: imagesPerSecond,
    images_per_second_per_core: imagesPerSecond / threads,
    ms_per_image: wallMs / samples.length,
    ms_per_face: faces === 0 ? null : wallMs / faces,
    latency_ms: percentiles(samples.map((s) => s.ms)),
    stages_ms: {
      decodeMs: mean((t) => t.decodeMs),
      detectMs: mean((t) => t.detectMs),
      embedMs: mean((t) => t.embedMs),
      attributesMs: mean((t) => t.attributesMs),
    },
  };
}
