import { performance } from 'node:perf_hooks';
import { decodeImage, type DecodedImage } from './image/decode.js';
import type { RgbImage } from './image/rgb.js';
import type { Point } from './geometry/similarity.js';
import { OnnxModel } from './runtime/session.js';
import { Detector, detectAll, detectLargest, type FaceBox } from './stages/detect.js';
import { boxFromLandmarks, fivePoints, LandmarkModel } from './stages/landmarks.js';
import { embedFaces, type Embedder } from './stages/embed.js';
import { cropQuality, poseFromPoints } from './stages/quality.js';
import { estimateAttributes } from './stages/attributes.js';
import type { EngineConfig } from './config.js';
import type { ModelSet } from './modelset.js';
import { alignedBatch } from './stages/align.js';
import type { AnalyzedFace, AnalyzeOptions, ImageAnalysis, Landmark, LandmarkType, Quality } from './types.js';

const LANDMARK_TYPES: LandmarkType[] = ['eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight'];

/**
 * decode → detect → landmarks → align → embed, on the calling thread. The engine runs one of
 * these per worker thread; tests and the CLI may use one directly.
 */
export class FacePipeline {
  private constructor(
    readonly modelSet: ModelSet,
    private readonly config: EngineConfig,
    private readonly albumDetector: Detector,
    /** Cheap selfie detectors, in the order they are tried (empty: the album detector alone). */
    private readonly selfieDetectors: Detector[],
    private readonly secondOpinion: Detector[],
    private readonly landmarks: LandmarkModel,
    private readonly embedders: Embedder[],
    private readonly attributeModels: Parameters<typeof estimateAttributes>[2],
    private readonly models: OnnxModel[],
  ) {}

  static async create(modelSet: ModelSet, config: EngineConfig): Promise<FacePipeline> {
    const models: OnnxModel[] = [];
    const loaded = new Map<string, OnnxModel>();
    // One session per model id, shared by every role it plays (blazeface-back: selfie backup and second opinion).
    const load = async (id: string): Promise<OnnxModel> => {
      let m = loaded.get(id);
      if (!m) {
        m = await OnnxModel.load(config.modelCacheDir, id);
        loaded.set(id, m);
        models.push(m);
      }
      return m;
    };
    const album = new Detector(await load(modelSet.albumDetector.id), modelSet.albumDetector.size);
    const selfie = modelSet.selfieDetector ? new Detector(await load(modelSet.selfieDetector.id), modelSet.selfieDetector.size) : undefined;
    const selfieBackup = modelSet.selfieBackup ? new Detector(await load(modelSet.selfieBackup.id), modelSet.selfieBackup.size) : undefined;
    const secondOpinion: Detector[] = [];
    for (const ref of modelSet.albumSecondOpinion ?? []) secondOpinion.push(new Detector(await load(ref.id), ref.size));
    const landmarks = new LandmarkModel(await load(modelSet.landmarks.id), modelSet.landmarks.size);
    const embedders: Embedder[] = [];
    for (const e of modelSet.embedders) embedders.push({ model: await load(e.id), chip: e.chip, dim: e.dim });
    const attributeModels: Parameters<typeof estimateAttributes>[2] = {};
    if (modelSet.ageGender) attributeModels.ageGender = { model: await load(modelSet.ageGender.id), size: modelSet.ageGender.size };
    if (modelSet.expression) attributeModels.expression = { model: await load(modelSet.expression.id), size: modelSet.expression.size };
    return new FacePipeline(modelSet, config, album, [selfie, selfieBackup].filter((d): d is Detector => d !== undefined), secondOpinion, landmarks, embedders, attributeModels, models);
  }

  async analyze(bytes: Uint8Array, options: AnalyzeOptions): Promise<ImageAnalysis> {
    const clock = new StageClock(options.stageCpu ?? false);
    const img = await decodeImage(bytes, { maxPixels: this.config.maxImagePixels, maxSide: this.config.decodeMaxSide, allowExtraFormats: this.config.extraFormats });
    clock.lap('decode');
    const boxes = await this.detect(img, options);
    clock.lap('detect');
    // All 68 landmarks align the crops (the model set's template picks the points); five are reported.
    const shapes = await this.locate(img, boxes, clock, options.mode === 'selfie' ? (this.config.selfieLandmarkPasses ?? 2) : 2);
    const points = shapes.map(fivePoints);
    const embedded = options.embed && shapes.length > 0 ? await embedFaces(img, shapes, this.embedders, this.config.flipTta) : undefined;
    clock.lap('embed');
    // Quality is measured on the aligned crop, which embedding produced already when it ran.
    const chipSize = this.modelSet.embedders[0].chip.size;
    const chips = embedded?.chips ?? alignedBatch(img, shapes, this.modelSet.embedders[0].chip);
    const faces = boxes.map((box, i) => this.describe(img, box, points[i], cropQuality(chips, i * chipSize * chipSize * 3, chipSize), embedded?.vectors[i]));
    clock.lap('quality');
    if (options.attributes) {
      const attributes = await estimateAttributes(img, points, this.attributeModels);
      faces.forEach((f, i) => (f.attributes = attributes[i]));
    }
    clock.lap('attributes');
    const t = clock.wall;
    return {
      width: img.width,
      height: img.height,
      orientationCorrection: img.orientationCorrection,
      faces,
      timings: { decodeMs: t.decode, detectMs: t.detect + t.landmarks + (t.landmarks2 ?? 0), embedMs: t.embed, attributesMs: t.attributes, ...(options.stageCpu ? { stageCpuMs: clock.cpu } : {}) },
    };
  }

  private async detect(img: DecodedImage, options: AnalyzeOptions): Promise<FaceBox[]> {
    const minScore = this.config.minFaceConfidence / 100;
    // The album promise is in pixels of the original photo; shrink-on-load scaled the faces too.
    const minFacePx = (this.config.albumMinFacePx * img.width) / img.fullWidth;
    const found = options.mode === 'selfie'
      ? await detectLargest(this.selfieDetectors, this.albumDetector, img, minScore)
      : (await detectAll(this.albumDetector, img, { tiling: this.config.tiling === 'auto', minFacePx, secondOpinion: this.secondOpinion }, minScore)).faces;
    const limit = Math.min(options.maxFaces ?? this.config.maxFacesPerImage, this.config.maxFacesPerImage);
    return found
      .filter((f) => Math.min(f.x2 - f.x1, f.y2 - f.y1) >= this.config.minFacePixels)
      .sort((a, b) => (b.x2 - b.x1) * (b.y2 - b.y1) - (a.x2 - a.x1) * (a.y2 - a.y1))
      .slice(0, limit);
  }

  /**
   * Landmarks in two passes: on the detector's box, then on the box the first landmarks imply.
   * The second crop no longer depends on which detector found the face, so a selfie (fast
   * detector) and an album photo (accurate detector) of the same face align the same way.
   * `seeded` (selfies): one pass on the box the detector's calibration predicts the first pass
   * would imply (`FaceBox.seed`), when every face has one; `1`: one pass on the detector's box.
   * Returns the 68 iBUG points per face.
   */
  private async locate(img: RgbImage, boxes: readonly FaceBox[], clock: StageClock, passes: 1 | 2 | 'seeded'): Promise<Point[][]> {
    const seeds = passes === 'seeded' && boxes.every((b) => b.seed) ? boxes.map((b) => b.seed!) : undefined;
    const first = await this.landmarks.locate(img, seeds ?? boxes);
    clock.lap('landmarks');
    if (passes === 1 || seeds) return first;
    const second = await this.landmarks.locate(img, first.map(boxFromLandmarks));
    clock.lap('landmarks2');
    return second;
  }

  private describe(img: RgbImage, box: FaceBox, points: Point[], quality: Quality, embedding: Float32Array | undefined): AnalyzedFace {
    const W = img.width;
    const H = img.height;
    const landmarks: Landmark[] = points.map(([x, y], k) => ({ Type: LANDMARK_TYPES[k], X: x / W, Y: y / H }));
    return {
      BoundingBox: { Left: box.x1 / W, Top: box.y1 / H, Width: (box.x2 - box.x1) / W, Height: (box.y2 - box.y1) / H },
      Confidence: Math.min(100, box.score * 100),
      Landmarks: landmarks,
      Pose: poseFromPoints(points),
      Quality: quality,
      embedding,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.models.map((m) => m.release()));
  }
}

/**
 * Wall (and, when asked, CPU) time of consecutive stages, each lap from the previous one. The CPU
 * is the process's (libvips decodes on its own threads), so it is per stage only while one analysis
 * runs at a time.
 */
class StageClock {
  readonly cpu: Record<string, number> = {};
  readonly wall: Record<string, number> = {};
  private lastCpu: NodeJS.CpuUsage | undefined;
  private lastWall = performance.now();

  constructor(withCpu: boolean) {
    if (withCpu) this.lastCpu = process.cpuUsage();
  }

  lap(stage: string): void {
    const wall = performance.now();
    this.wall[stage] = wall - this.lastWall;
    this.lastWall = wall;
    if (!this.lastCpu) return;
    const cpu = process.cpuUsage();
    this.cpu[stage] = (cpu.user + cpu.system - this.lastCpu.user - this.lastCpu.system) / 1000;
    this.lastCpu = cpu;
  }
}
