import * as ort from 'onnxruntime-node';
import { loadCachedModel } from '@facerec/models';

/** One onnxruntime session on one thread: the pool gives parallelism, not intra-op threads. */
export class OnnxModel {
  private constructor(
    readonly id: string,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(cacheDir: string, id: string): Promise<OnnxModel> {
    const bytes = await loadCachedModel(cacheDir, id);
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OnnxModel(id, session);
  }

  get inputName(): string {
    return this.session.inputNames[0];
  }

  /** Runs the model on one NHWC float32 batch and returns every output as Float32Array by name. */
  async run(input: Float32Array, dims: readonly number[]): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
    const out = await this.session.run({ [this.inputName]: new ort.Tensor('float32', input, dims) });
    const result: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const [name, tensor] of Object.entries(out)) result[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
