/**
 * Runs one embedder below the pipeline (align → model), which the geometry search needs and the
 * engine's public API does not offer. The stages are imported from @facerec/face's sources: they
 * are internal to that package, and this tool is the only outside user.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeImage, type EngineConfig } from '@facerec/face';
import { OnnxModel } from '../../../face/src/runtime/session.js';
import { alignedBatch, jitteredBatch, type AlignTemplate, type ChipGeometry } from '../../../face/src/stages/align.js';
import type { RgbImage } from '../../../face/src/image/rgb.js';
import { mirroredBatch, runEmbedder } from '../../../face/src/stages/embed.js';
import { FACE_MEAN_RGB } from '../../../models/src/faceapi/faceRecognition.js';
import { InvalidInputError } from '../errors.js';
import type { GeometryCandidate } from './grid.js';
import type { FivePoints } from './points.js';
import type { RawViews } from './search.js';

/**
 * The pixel range a model expects; crops are 0..255 and are rescaled before the model runs.
 * `dlib256` feeds face-recognition what dlib's own input layer computes, (x − mean) / 256, through
 * face-api's graph, which divides by 255.
 */
export type InputRange = '0..255' | '0..1' | '-1..1' | 'dlib256';

export function parseInputRange(text: string): InputRange {
  if (text === '0..255' || text === '0..1' || text === '-1..1' || text === 'dlib256') return text;
  throw new InvalidInputError(`input range must be 0..255, 0..1, -1..1 or dlib256, got "${text}"`);
}

/** Rescales 0..255 crops in place; -1..1 is (x − 127.5) / 128, the MobileFaceNet convention. */
export function rescale(batch: Float32Array, range: InputRange): Float32Array {
  if (range === '0..1') for (let i = 0; i < batch.length; i++) batch[i] /= 255;
  else if (range === '-1..1') for (let i = 0; i < batch.length; i++) batch[i] = (batch[i] - 127.5) / 128;
  else if (range === 'dlib256') for (let i = 0; i < batch.length; i++) batch[i] = FACE_MEAN_RGB[i % 3] + ((batch[i] - FACE_MEAN_RGB[i % 3]) * 255) / 256;
  return batch;
}

export class ChipEmbedder {
  private inferenceMs = 0;
  private crops = 0;

  private constructor(
    private readonly model: OnnxModel,
    private readonly config: EngineConfig,
    private readonly imagesDir: string,
    readonly size: number,
    private readonly range: InputRange,
    private readonly template: AlignTemplate,
    private readonly jitter: number,
  ) {}

  /**
   * `template` decides which points a face is fitted on (mean51 and dlib33 need 68 points per
   * image). With `jitter` > 0 each face's vector is the sum of that many dlib-style jittered views
   * (jitter.ts) instead of the plain crop.
   */
  static async load(config: EngineConfig, imagesDir: string, id: string, size: number, range: InputRange, template: AlignTemplate = 'arcface5', jitter = 0): Promise<ChipEmbedder> {
    return new ChipEmbedder(await OnnxModel.load(config.modelCacheDir, id), config, imagesDir, size, range, template, jitter);
  }

  /** Mean model time per crop so far (one crop per run, single thread). */
  get msPerFace(): number {
    return this.crops === 0 ? 0 : this.inferenceMs / this.crops;
  }

  readonly embedAt = async (image: string, points: FivePoints, candidates: readonly GeometryCandidate[], mirror: boolean): Promise<RawViews[]> => {
    const img = await decodeImage(await readFile(resolve(this.imagesDir, image)), { maxPixels: this.config.maxImagePixels, maxSide: this.config.decodeMaxSide, allowExtraFormats: this.config.extraFormats });
    const views: RawViews[] = [];
    for (const c of candidates) {
      const geometry: ChipGeometry = { size: this.size, scale: c.scale, shiftY: c.shiftY, template: this.template };
      if (this.jitter > 0) {
        views.push({ plain: await this.jittered(img, points, { ...geometry, jitter: this.jitter }), mirrored: null });
        continue;
      }
      const batch = rescale(alignedBatch(img, [points], geometry), this.range);
      const plain = await this.run(batch);
      views.push({ plain, mirrored: mirror ? await this.run(mirroredBatch(batch, this.size, 1)) : null });
    }
    return views;
  };

  /** The raw outputs of the geometry's jittered views summed (their mean, up to the norm), as the engine does. */
  private async jittered(img: RgbImage, points: FivePoints, g: ChipGeometry): Promise<Float32Array> {
    const out = await this.run(rescale(jitteredBatch(img, [points], g), this.range), this.jitter);
    const sum = new Float32Array(out.length / this.jitter);
    for (let i = 0; i < out.length; i++) sum[i % sum.length] += out[i];
    return sum;
  }

  private async run(batch: Float32Array, n = 1): Promise<Float32Array> {
    const t0 = performance.now();
    const out = await runEmbedder(this.model, batch, n, this.size);
    this.inferenceMs += performance.now() - t0;
    this.crops += n;
    // A copy: onnxruntime may reuse its output buffers.
    return Float32Array.from(out);
  }

  async close(): Promise<void> {
    await this.model.release();
  }
}
