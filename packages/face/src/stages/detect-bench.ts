// Detection and speed measurements behind docs/benchmarks.md ("Detection and speed"). Usage, from the repo root:
//   node --import tsx packages/face/src/stages/detect-bench.ts cpu <dir> [proposed|plain]    CPU ms per image, album + embed
//   node --import tsx packages/face/src/stages/detect-bench.ts selfie <lfw-images-dir> [n]   selfie path found rate and cost
//   node --import tsx packages/face/src/stages/detect-bench.ts big <portrait.jpg> <background.jpg>  a 60 px face in 24 MP
//   node --import tsx packages/face/src/stages/detect-bench.ts minface <lfw-images-dir> <background.jpg>  SSD recall by face width
//   node --import tsx packages/face/src/stages/detect-bench.ts agree <lfw-images-dir>  selfie vs album: landmark passes, embeddings
// CPU time (process.cpuUsage) is reported besides wall time because the machine is shared: other
// people's runs stretch wall time, much less the CPU this process itself spends.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { loadEngineConfig } from '../config.js';
import { decodeImage } from '../image/decode.js';
import { MODEL_SETS, type ModelSet } from '../modelset.js';
import { FacePipeline } from '../pipeline.js';
import { OnnxModel } from '../runtime/session.js';
import { Detector, detectAll, detectLargest } from './detect.js';
import { boxFromLandmarks, fivePoints, LandmarkModel } from './landmarks.js';
import type { Point } from '../geometry/similarity.js';
import type { AnalyzeOptions } from '../types.js';

sharp.concurrency(1);
const config = loadEngineConfig();
const BASE = MODEL_SETS['dlib-r34-v1'];
/** The set docs/benchmarks.md proposes: a selfie detector and the album second opinion. */
const PROPOSED: ModelSet = {
  ...BASE,
  selfieDetector: { id: 'blazeface-front', size: 128 },
  albumSecondOpinion: [{ id: 'tiny-face-detector', size: 416 }, { id: 'blazeface-back', size: 256 }],
};
/** The same without either, for comparison (SSD alone on both paths). */
const PLAIN: ModelSet = { ...BASE, selfieDetector: undefined, selfieBackup: undefined, albumSecondOpinion: undefined };

async function cpuMs<T>(run: () => Promise<T>): Promise<{ result: T; cpu: number; wall: number }> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const result = await run();
  const c = process.cpuUsage(c0);
  return { result, cpu: (c.user + c.system) / 1000, wall: performance.now() - w0 };
}

async function cpuBench(dir: string, which: string): Promise<void> {
  const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const inputs = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
  const pipeline = await FacePipeline.create(which === 'plain' ? PLAIN : PROPOSED, config);
  const options: AnalyzeOptions = { mode: 'album', embed: true, attributes: false };
  for (const bytes of inputs.slice(0, 3)) await pipeline.analyze(bytes, options);
  for (let rep = 0; rep < 3; rep++) {
    const { result: faces, cpu, wall } = await cpuMs(async () => {
      let n = 0;
      for (const bytes of inputs) n += (await pipeline.analyze(bytes, options)).faces.length;
      return n;
    });
    const perImage = cpu / inputs.length;
    console.log(`${which}: ${faces} faces; cpu ${perImage.toFixed(1)} ms/image (${(1000 / perImage).toFixed(2)} images/s per core), wall ${(wall / inputs.length).toFixed(1)} ms/image`);
  }
  await pipeline.close();
}

async function selfieBench(root: string, n: number): Promise<void> {
  const people = (await readdir(root)).sort();
  const files: string[] = [];
  for (let i = 0; files.length < n; i += 3) {
    const person = people[i % people.length];
    const images = (await readdir(path.join(root, person))).sort();
    files.push(path.join(root, person, images[Math.floor(i / 3) % images.length]));
  }
  const inputs = await Promise.all(files.map((f) => readFile(f)));
  const options: AnalyzeOptions = { mode: 'selfie', embed: true, attributes: false };
  for (const [name, set] of [['blazeface-front first', PROPOSED], ['SSD only', PLAIN]] as const) {
    const pipeline = await FacePipeline.create(set, config);
    for (const bytes of inputs.slice(0, 5)) await pipeline.analyze(bytes, options);
    const { result: found, cpu, wall } = await cpuMs(async () => {
      let hits = 0;
      for (const bytes of inputs) if ((await pipeline.analyze(bytes, options)).faces.length > 0) hits++;
      return hits;
    });
    console.log(`selfie, ${name}: face found in ${found}/${inputs.length}; cpu ${(cpu / inputs.length).toFixed(1)} ms/image, wall ${(wall / inputs.length).toFixed(1)} ms/image (decode + detect + landmarks + embed)`);
    await pipeline.close();
  }
}

async function bigBench(portraitFile: string, backgroundFile: string): Promise<void> {
  const pipeline = await FacePipeline.create(PROPOSED, config);
  const portrait = await readFile(portraitFile);
  const [face] = (await pipeline.analyze(portrait, { mode: 'album', embed: false, attributes: false })).faces;
  const meta = await sharp(portrait).metadata();
  const k = 60 / (face.BoundingBox.Width * meta.width);
  const small = await sharp(portrait).resize(Math.round(meta.width * k), Math.round(meta.height * k)).toBuffer();
  const background = await sharp(await readFile(backgroundFile)).resize(6000, 4000, { fit: 'fill' }).toBuffer();
  const photo = await sharp(background).composite([{ input: small, left: 4100, top: 2700 }]).jpeg({ quality: 90 }).toBuffer();
  const img = await decodeImage(photo, { maxPixels: config.maxImagePixels, maxSide: config.decodeMaxSide });
  const ssd = new Detector(await OnnxModel.load(config.modelCacheDir, 'ssd-mobilenetv1'), 512);
  const plan = await detectAll(ssd, img, { tiling: true, minFacePx: (config.albumMinFacePx * img.width) / img.fullWidth }, 0.5);
  console.log(`24 MP: decoded ${img.width}×${img.height}, ${plan.passes} SSD passes`);
  for (let rep = 0; rep < 3; rep++) {
    const { result, cpu, wall } = await cpuMs(() => pipeline.analyze(photo, { mode: 'album', embed: true, attributes: false }));
    console.log(`24 MP album + embed: ${result.faces.length} face(s), ${(result.faces[0]?.BoundingBox.Width * 6000).toFixed(0)} px wide; cpu ${cpu.toFixed(0)} ms, wall ${wall.toFixed(0)} ms`);
  }
  await pipeline.close();
}

async function minFaceBench(root: string, backgroundFile: string): Promise<void> {
  const size = 512;
  const ssd = new Detector(await OnnxModel.load(config.modelCacheDir, 'ssd-mobilenetv1'), size);
  const people = (await readdir(root)).sort().filter((_, i) => i % 30 === 0).slice(0, 40);
  const faces = await Promise.all(people.map(async (p) => path.join(root, p, (await readdir(path.join(root, p))).sort()[0])));
  const background = await sharp(await readFile(backgroundFile)).resize(size, size).removeAlpha().raw().toBuffer();
  for (const width of [10, 12, 14, 16, 20, 24, 26, 30, 34, 36, 44, 52, 64, 80, 100]) {
    let hits = 0;
    for (const file of faces) {
      // LFW's 250 px frames hold a face about 100 px wide.
      const side = Math.round(2.5 * width);
      const face = await sharp(file).resize(side, side).removeAlpha().raw().toBuffer();
      const canvas = Buffer.from(background);
      const at = Math.round(size / 2 - side / 2);
      for (let y = 0; y < side; y++) face.copy(canvas, ((at + y) * size + at) * 3, y * side * 3, (y + 1) * side * 3);
      const found = await ssd.detect({ data: new Uint8Array(canvas), width: size, height: size });
      if (found.some((b) => b.score >= 0.5 && b.x1 < size / 2 && b.x2 > size / 2 && b.y1 < size / 2 && b.y2 > size / 2)) hits++;
    }
    console.log(`SSD at 512: faces ${width} px wide found ${hits}/${faces.length}`);
  }
}

/**
 * Why landmarks run twice: the five points found from a blazeface-front box and from an SSD box, as
 * mean distance ÷ interocular distance, after 1, 2 and 3 passes; then the cosine between the
 * selfie-path and album-path embeddings of the same photo (the pipeline's two passes).
 */
async function agreeBench(root: string): Promise<void> {
  const people = (await readdir(root)).sort().filter((_, i) => i % 7 === 0).slice(0, 200);
  const files = await Promise.all(people.map(async (p) => path.join(root, p, (await readdir(path.join(root, p))).sort()[0])));
  const ssd = new Detector(await OnnxModel.load(config.modelCacheDir, 'ssd-mobilenetv1'), 512);
  const front = new Detector(await OnnxModel.load(config.modelCacheDir, 'blazeface-front'), 128);
  const landmarks = new LandmarkModel(await OnnxModel.load(config.modelCacheDir, 'face-landmark-68'), 112);
  const gaps: number[][] = [[], [], []];
  for (const file of files) {
    const img = await decodeImage(await readFile(file), { maxPixels: config.maxImagePixels, maxSide: config.decodeMaxSide });
    const fast = await detectLargest([front], ssd, img, 0.5);
    const accurate = await detectLargest([], ssd, img, 0.5);
    if (fast.length === 0 || accurate.length === 0) continue;
    let [p, q] = [(await landmarks.locate(img, fast))[0], (await landmarks.locate(img, accurate))[0]];
    for (let pass = 0; pass < 3; pass++) {
      if (pass > 0) [p, q] = [(await landmarks.locate(img, [boxFromLandmarks(p)]))[0], (await landmarks.locate(img, [boxFromLandmarks(q)]))[0]];
      gaps[pass].push(pointGap(fivePoints(p), fivePoints(q)));
    }
  }
  gaps.forEach((g, i) => console.log(`${i + 1} landmark pass(es): 5-point gap blazeface-front vs SSD start ${summary(g)} of the interocular distance (${g.length} LFW photos)`));
  const pipeline = await FacePipeline.create(PROPOSED, config);
  const cosines: number[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const [s] = (await pipeline.analyze(bytes, { mode: 'selfie', embed: true, attributes: false })).faces;
    const [a] = (await pipeline.analyze(bytes, { mode: 'album', embed: true, attributes: false })).faces;
    const [u, v] = [s?.embedding, a?.embedding];
    if (u && v) cosines.push(u.reduce((sum, x, i) => sum + x * v[i], 0));
  }
  console.log(`cosine of selfie-path vs album-path embeddings of the same photo: ${summary(cosines, true)} (${cosines.length} LFW photos)`);
  await pipeline.close();
}

function pointGap(p: readonly Point[], q: readonly Point[]): number {
  const interocular = Math.hypot(q[0][0] - q[1][0], q[0][1] - q[1][1]);
  return p.reduce((s, [x, y], i) => s + Math.hypot(x - q[i][0], y - q[i][1]), 0) / p.length / interocular;
}

function summary(values: readonly number[], low = false): string {
  const sorted = [...values].sort((x, y) => x - y);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const tail = low ? `p10 ${sorted[Math.floor(0.1 * sorted.length)].toFixed(4)}, min ${sorted[0].toFixed(4)}` : `p90 ${sorted[Math.floor(0.9 * sorted.length)].toFixed(4)}, max ${sorted[sorted.length - 1].toFixed(4)}`;
  return `mean ${mean.toFixed(4)}, ${tail}`;
}

const [command, a, b] = process.argv.slice(2);
if (command === 'cpu' && a) await cpuBench(a, b ?? 'proposed');
else if (command === 'selfie' && a) await selfieBench(a, Number(b ?? 500));
else if (command === 'big' && a && b) await bigBench(a, b);
else if (command === 'minface' && a && b) await minFaceBench(a, b);
else if (command === 'agree' && a) await agreeBench(a);
else {
  console.error('usage: detect-bench.ts cpu <dir> [proposed|plain] | selfie <lfw-images> [n] | big <portrait> <background> | minface <lfw-images> <background> | agree <lfw-images>');
  process.exitCode = 2;
}
