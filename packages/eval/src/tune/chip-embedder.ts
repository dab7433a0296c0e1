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
import { alignedBatch, type AlignTemplate } from '../../../face/src/stages/align.js';
import { mirroredBatch, runEmbedder } from '../../../face/src/stages/embed.js';
import { InvalidInputError } from '../errors.js';
import type { GeometryCandidate } from './grid.js';
import type { FivePoints } from './points.js';
import type { RawViews } from './search.js';

/** The pixel range a model expects; crops are 0..255 and are rescaled before the model runs. */
export type InputRange = '0..255' | '0..1' | '-1..1';

export function parseInputRange(text: string): InputRange {
  if (text === '0..255' || text === '0..1' || text === '-1..1') return text;
  throw new InvalidInputError(`input range must be 0..255, 0..1 or -1..1, got "${text}"`);
}

/** Rescales 0..255 crops in place; -1..1 is (x − 127.5) / 128, the MobileFaceNet convention. */
export function rescale(batch: Float32Array, range: InputRange): Float32Array {
  if (range === '0..1') for (let i = 0; i < batch.length; i++) batch[i] /= 255;
  else if (range === '-1..1') for (let i = 0; i < batch.length; i++) batch[i] = (batch[i] - 127.5) / 128;
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
  ) {}

  /** `template` decides which points a face is fitted on (mean51 needs 68 points per image). */
  static async load(config: EngineConfig, imagesDir: string, id: string, size: number, range: InputRange, template: AlignTemplate = 'arcface5'): Promise<ChipEmbedder> {
    return new ChipEmbedder(await OnnxModel.load(config.modelCacheDir, id), config, imagesDir, size, range, template);
  }

  /** Mean model time per crop so far (one crop per run, single thread). */
  get msPerFace(): number {
    return this.crops === 0 ? 0 : this.inferenceMs / this.crops;
  }

  readonly embedAt = async (image: string, points: FivePoints, candidates: readonly GeometryCandidate[], mirror: boolean): Promise<RawViews[]> => {
    const img = await decodeImage(await readFile(resolve(this.imagesDir, image)), { maxPixels: this.config.maxImagePixels, maxSide: this.config.decodeMaxSide, allowExtraFormats: this.config.extraFormats });
    const views: RawViews[] = [];
    for (const c of candidates) {
      const batch = rescale(alignedBatch(img, [points], { size: this.size, scale: c.scale, shiftY: c.shiftY, template: this.template }), this.range);
      const plain = await this.run(batch);
      views.push({ plain, mirrored: mirror ? await this.run(mirroredBatch(batch, this.size, 1)) : null });
    }
    return views;
  };

  private async run(batch: Float32Array): Promise<Float32Array> {
    const t0 = performance.now();
    const out = await runEmbedder(this.model, batch, 1, this.size);
    this.inferenceMs += performance.now() - t0;
    this.crops++;
    // A copy: onnxruntime may reuse its output buffers.
    return Float32Array.from(out);
  }

  async close(): Promise<void> {
    await this.model.release();
  }
}
