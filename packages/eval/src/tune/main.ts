/**
 * The chip-geometry tuner. Run from the repo root:
 *
 *   node_modules/.bin/node --import tsx packages/eval/src/tune/main.ts geometry \
 *     --embedder faceres --size 224 --scales 0.9:1.3:0.1 --shifts -0.15,-0.1,0 --flip both \
 *     --pairs /work/shared/faces/lfw-view1/pairs-dev-train.csv --images /work/shared/faces/lfw-view1/images
 *
 *   … main.ts ensemble --member face-recognition:150:1.25:-0.18 --member faceres:224:1:-0.1 \
 *     --weights 0.5,1,2 --flip on --pairs … --images …
 *
 *   … main.ts check-calibration --cosine-at-80 0.9257 --slope 124.5 --pairs … --images …
 *
 *   … main.ts geometry --landmarks p2 --template mean51 --embedder face-recognition --size 150 \
 *     --scales 0.62,0.67 --shifts=-0.02,0.02 --pairs … --images …
 *   … main.ts mean-shape --landmarks p2 --pairs … --images …   (prints stages/mean-shape.ts)
 *
 * With --landmarks RECIPE (p2 = two passes as the pipeline, p3f = three passes averaged with the
 * mirrored crop, …) the tuner keeps 68 points per image: the engine's face box is cached in
 * .facerec/tune/boxes-<pairs>.json and the landmark passes run here, cached per recipe.
 *
 * With --mesh RECIPE (m2 = two FaceMesh passes, the first on the crop the --landmarks points imply)
 * the five points come from MediaPipe FaceMesh, read off per --mesh-points (ring, corners, eyes0.5,
 * all0.5, eyes68_0.5, fit-inner, …; tune/facemesh.ts); meshes are cached per recipe.
 *
 * Five points come from the engine of FACEREC_MODEL_SET (selfie mode, largest face) and are cached
 * in --points (default .facerec/tune/points-<pairs file>.json); each geometry only re-embeds. The
 * tuner refuses test pairs: choose geometries on dev-train, report on dev-test with `facerec bench`.
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEngineConfig, PooledFaceEngine, resolveModelSet, type EngineConfig } from '@facerec/face';
import { InvalidInputError } from '../errors.js';
import { readPairsCsv, type PairSpec } from '../pairs.js';
import { createProgress } from '../progress.js';
import { EmbeddingCache } from '../pairs.js';
import { toSimilarity, type Calibration } from '../calibration.js';
import { mapConcurrent } from '../pool.js';
import { ChipEmbedder, parseInputRange } from './chip-embedder.js';
import { geometryGrid, parseMember, parseNumberList } from './grid.js';
import { cachedFivePoints, cachedPerImage, collectFivePoints, type PointsByImage } from './points.js';
import { collectBoxes, collectLandmarks, parseRecipe, type PixelBox } from './landmarks68.js';
import { collectMeshes, meshToFive, parseMeshPoints, parseMeshRecipe, type StoredMesh } from './facemesh.js';
import { meanShapeSource, procrustesMean, symmetrize51, toUnitBox } from './mean-shape.js';
import type { AlignTemplate } from '../../../face/src/stages/align.js';
import type { Point } from '../../../face/src/geometry/similarity.js';
import { SAME_SIZE_RATIO } from '../../../face/src/stages/detect.js';
import { dot, misclassified, scoreCross, scoreEnsemble, scoreVectors, searchGeometries, type FlipMode, type GeometryScore, type VectorsByImage } from './search.js';
import type { GeometryCandidate } from './grid.js';

const OPTIONS = {
  embedder: { type: 'string' },
  size: { type: 'string' },
  scales: { type: 'string' },
  shifts: { type: 'string' },
  flip: { type: 'string', default: 'off' },
  'input-range': { type: 'string', default: '0..255' },
  member: { type: 'string', multiple: true },
  'member-range': { type: 'string', multiple: true },
  weights: { type: 'string' },
  pairs: { type: 'string' },
  images: { type: 'string' },
  limit: { type: 'string' },
  points: { type: 'string' },
  'refresh-points': { type: 'boolean', default: false },
  threads: { type: 'string', default: '2' },
  'cosine-at-80': { type: 'string' },
  slope: { type: 'string' },
  landmarks: { type: 'string' },
  template: { type: 'string', default: 'arcface5' },
  errors: { type: 'boolean', default: false },
  symmetric: { type: 'boolean', default: false },
  jitter: { type: 'string', default: '0' },
  'query-jitter': { type: 'string' },
  mesh: { type: 'string' },
  'mesh-points': { type: 'string', default: 'ring' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new InvalidInputError(`${flag} is required`);
  return value;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`${flag} must be a positive integer`);
  return n;
}

function parseFlip(text: string): FlipMode {
  if (text === 'off' || text === 'on' || text === 'both') return text;
  throw new InvalidInputError(`--flip must be off, on or both, got "${text}"`);
}

async function loadTrainPairs(values: Values): Promise<PairSpec[]> {
  const file = required(values.pairs, '--pairs');
  if (/test/i.test(basename(file))) throw new InvalidInputError(`refusing to tune on "${file}": tune on train pairs, report on test pairs`);
  const pairs = await readPairsCsv(file);
  return values.limit === undefined ? pairs : pairs.slice(0, positiveInt(values.limit, '--limit'));
}

async function fivePointsFor(values: Values, config: EngineConfig, pairs: readonly PairSpec[]): Promise<PointsByImage> {
  const set = resolveModelSet(process.env.FACEREC_MODEL_SET);
  const images = [...new Set(pairs.flatMap((p) => [p.imageA, p.imageB]))];
  const file = resolve(values.points ?? `.facerec/tune/points-${basename(required(values.pairs, '--pairs'), '.csv')}.json`);
  const key = [set.albumDetector.id, set.selfieDetector?.id ?? '-', set.landmarks.id, config.minFaceConfidence, config.minFacePixels, `tie${SAME_SIZE_RATIO}`].join('|');
  const compute = async (): Promise<PointsByImage> => {
    const threads = positiveInt(values.threads, '--threads');
    const engine = await PooledFaceEngine.start({ ...config, threads }, set);
    const progress = createProgress('landmarks');
    try {
      return await collectFivePoints(engine, required(values.images, '--images'), images, threads, progress.update);
    } finally {
      progress.finish();
      await engine.close();
    }
  };
  const { points, fromCache } = await cachedFivePoints(values['refresh-points'] ? `${file}.refresh` : file, key, images, compute);
  const missing = [...points.values()].filter((p) => p === null).length;
  process.stderr.write(`five points for ${images.length} images ${fromCache ? 'from' : 'written to'} ${file} (${missing} without a face)\n`);
  return points;
}

/** The engine's face box per image, computed once per pairs file and engine setup. */
async function boxesFor(values: Values, config: EngineConfig, images: readonly string[]): Promise<Map<string, PixelBox | null>> {
  const set = resolveModelSet(process.env.FACEREC_MODEL_SET);
  const file = resolve(`.facerec/tune/boxes-${basename(required(values.pairs, '--pairs'), '.csv')}.json`);
  // The face-choice rule is part of the key: it decides which face an image's box is.
  const key = [set.albumDetector.id, set.selfieDetector?.id ?? '-', config.minFaceConfidence, config.minFacePixels, `tie${SAME_SIZE_RATIO}`].join('|');
  const { values: boxes } = await cachedPerImage(file, key, images, async () => {
    const threads = positiveInt(values.threads, '--threads');
    const engine = await PooledFaceEngine.start({ ...config, threads }, set);
    const progress = createProgress('boxes');
    try {
      return await collectBoxes(engine, required(values.images, '--images'), images, threads, progress.update);
    } finally {
      progress.finish();
      await engine.close();
    }
  });
  return boxes;
}

/** 68 points per image found with the --landmarks recipe (cached per recipe). */
async function landmarksFor(values: Values, config: EngineConfig, pairs: readonly PairSpec[]): Promise<PointsByImage> {
  const recipeText = required(values.landmarks, '--landmarks');
  const recipe = parseRecipe(recipeText);
  const images = [...new Set(pairs.flatMap((p) => [p.imageA, p.imageB]))];
  const boxes = await boxesFor(values, config, images);
  const file = resolve(`.facerec/tune/lm68-${basename(required(values.pairs, '--pairs'), '.csv')}-${recipeText}.json`);
  // Keyed by a digest of every box, so a box that changes (another face chosen) means recompute.
  const key = `${recipeText}|${createHash('sha256').update(JSON.stringify([...boxes])).digest('hex').slice(0, 16)}`;
  const { values: points, fromCache } = await cachedPerImage(file, key, images, async () => {
    const progress = createProgress(`landmarks ${recipeText}`);
    try {
      return await collectLandmarks(config, required(values.images, '--images'), boxes, recipe, progress.update);
    } finally {
      progress.finish();
    }
  });
  const missing = [...points.values()].filter((p) => p === null).length;
  process.stderr.write(`68 points (${recipeText}) for ${images.length} images ${fromCache ? 'from' : 'written to'} ${file} (${missing} without a face)\n`);
  return points;
}

function parseTemplate(text: string): AlignTemplate {
  if (text === 'arcface5' || text === 'mean51' || text === 'dlib33') return text;
  throw new InvalidInputError(`--template must be arcface5, mean51 or dlib33, got "${text}"`);
}

/**
 * --mesh RECIPE: FaceMesh run on the crop each image's 68 points (--landmarks, default p2) imply,
 * cached per recipe; five points read off per --mesh-points.
 */
async function meshPointsFor(values: Values, config: EngineConfig, pairs: readonly PairSpec[]): Promise<PointsByImage> {
  const recipeText = required(values.mesh, '--mesh');
  const recipe = parseMeshRecipe(recipeText);
  const mode = parseMeshPoints(values['mesh-points']);
  if (parseTemplate(values.template) !== 'arcface5') throw new InvalidInputError('--mesh gives five points: use --template arcface5');
  const lm = await landmarksFor({ ...values, landmarks: values.landmarks ?? 'p2' }, config, pairs);
  const images = [...new Set(pairs.flatMap((p) => [p.imageA, p.imageB]))];
  const file = resolve(`.facerec/tune/mesh-${basename(required(values.pairs, '--pairs'), '.csv')}-${values.landmarks ?? 'p2'}-${recipeText}.json`);
  const key = `${recipeText}|${createHash('sha256').update(JSON.stringify([...lm])).digest('hex').slice(0, 16)}`;
  const { values: meshes, fromCache } = await cachedPerImage<StoredMesh>(file, key, images, async () => {
    const progress = createProgress(`facemesh ${recipeText}`);
    let result: Awaited<ReturnType<typeof collectMeshes>>;
    try {
      result = await collectMeshes(config, required(values.images, '--images'), lm, recipe, progress.update);
    } finally {
      progress.finish();
    }
    process.stderr.write(`facemesh ${recipeText}: ${result.msPerFace.toFixed(2)} ms CPU per face (all passes, crop included)\n`);
    return result.meshes;
  });
  const scores = [...meshes.values()].filter((m): m is StoredMesh => m !== null).map((m) => m.score).sort((a, b) => a - b);
  process.stderr.write(`meshes (${recipeText}) for ${images.length} images ${fromCache ? 'from' : 'written to'} ${file}; face score min ${scores[0]} / p1 ${scores[Math.floor(scores.length / 100)]} / median ${scores[scores.length >> 1]}\n`);
  let meanMesh: Point[] | undefined;
  if (mode.kind === 'fit') {
    // Learned on these (train) images' confident meshes, as the 51-point mean shape is.
    const shapes = [...meshes.values()].filter((m): m is StoredMesh => m !== null && m.score >= 0.5).map((m) => m.points);
    const { mean, iterations, lastChange } = procrustesMean(shapes);
    process.stderr.write(`mean mesh of ${shapes.length} faces: ${iterations} iterations, last change ${lastChange.toExponential(2)}\n`);
    meanMesh = mean;
  }
  return new Map(images.map((rel) => {
    const mesh = meshes.get(rel);
    const points = lm.get(rel);
    return [rel, mesh === null || mesh === undefined || points === null || points === undefined ? null : meshToFive(mesh.points, points, mode, meanMesh)];
  }));
}

/** Five points from the engine, or 68 from the --landmarks recipe, or five from FaceMesh (--mesh). */
async function pointsFor(values: Values, config: EngineConfig, pairs: readonly PairSpec[]): Promise<PointsByImage> {
  if (values.mesh !== undefined) return meshPointsFor(values, config, pairs);
  if (values.landmarks !== undefined) return landmarksFor(values, config, pairs);
  if (parseTemplate(values.template) !== 'arcface5') throw new InvalidInputError(`--template ${values.template} needs --landmarks (68 points per image)`);
  return fivePointsFor(values, config, pairs);
}

function shapeOut(shape: [number, number][] | readonly (readonly [number, number])[], symmetric: boolean): readonly (readonly [number, number])[] {
  return symmetric ? toUnitBox(symmetrize51(shape)) : shape;
}

/** Learns the 51-point mean shape (iBUG 17–67) from the train images and prints it as TypeScript. */
async function meanShape(values: Values): Promise<void> {
  const config = loadEngineConfig();
  const pairs = await loadTrainPairs(values);
  const points = await landmarksFor(values, config, pairs);
  const shapes = [...points.values()].filter((p): p is [number, number][] => p !== null).map((p) => p.slice(17));
  const { mean, lastChange, iterations } = procrustesMean(shapes);
  process.stderr.write(`Procrustes mean of ${shapes.length} faces: ${iterations} iterations, last change ${lastChange.toExponential(2)}\n`);
  const comment = [
    '/**',
    ` * Mean shape of the 51 non-jaw iBUG landmarks (17–67), learned on ${shapes.length} LFW dev-train faces`,
    ` * (landmarks recipe ${values.landmarks}) by generalised Procrustes analysis, scaled to unit width with its top`,
    ` * at y = 0${values.symmetric ? ', then averaged with its mirror image (left/right symmetric)' : ''}. Recompute:`,
    ` *   node_modules/.bin/node --import tsx packages/eval/src/tune/main.ts mean-shape --landmarks ${values.landmarks}${values.symmetric ? ' --symmetric' : ''}`,
    ' *   --pairs <lfw>/pairs-dev-train.csv --images <lfw>/images',
    ' */',
  ].join('\n');
  process.stdout.write(`import type { Point } from '../geometry/similarity.js';\n\n${meanShapeSource('MEAN_SHAPE_51', shapeOut(toUnitBox(mean), values.symmetric), comment)}`);
}

function print(row: object): void {
  process.stdout.write(JSON.stringify(row, (_, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(4)) : v)) + '\n');
}

function sortByAccuracy(scores: readonly GeometryScore[]): GeometryScore[] {
  return [...scores].sort((a, b) => b.accuracy - a.accuracy || b.auc - a.auc);
}

async function geometry(values: Values): Promise<void> {
  const config = loadEngineConfig();
  const pairs = await loadTrainPairs(values);
  const points = await pointsFor(values, config, pairs);
  const id = required(values.embedder, '--embedder');
  const template = parseTemplate(values.template);
  const jitter = values.jitter === '0' ? 0 : positiveInt(values.jitter, '--jitter');
  if (jitter > 0 && values.flip !== 'off') throw new InvalidInputError('--jitter already mirrors half of its views: use --flip off');
  const embedder = await ChipEmbedder.load(config, required(values.images, '--images'), id, positiveInt(required(values.size, '--size'), '--size'), parseInputRange(values['input-range']), template, jitter);
  const candidates = geometryGrid(parseNumberList(required(values.scales, '--scales'), '--scales'), parseNumberList(required(values.shifts, '--shifts'), '--shifts'));
  const progress = createProgress(`${id} × ${candidates.length} geometries`);
  try {
    const result = await searchGeometries({ pairs, points, candidates, flip: parseFlip(values.flip), embed: embedder.embedAt, onProgress: progress.update });
    progress.finish();
    const landmarks = values.mesh === undefined ? values.landmarks ?? 'engine5' : `${values.landmarks ?? 'p2'}+${values.mesh}:${values['mesh-points']}`;
    for (const s of sortByAccuracy(result.scores)) print({ embedder: id, size: embedder.size, template, landmarks, jitter, ...s, no_face_pairs: result.noFacePairs });
    // --errors: the wrongly decided pairs of each row at its best threshold, for looking at the images.
    if (values.errors) result.scores.forEach((s, i) => print({ scale: s.scale, shiftY: s.shiftY, flip: s.flip, errors: misclassified(pairs, result.vectors[i], s.threshold) }));
    print({ embedder: id, ms_per_face: embedder.msPerFace });
    if (values['query-jitter'] !== undefined) await queryJitter(values, config, pairs, points, candidates, id, embedder.size, template, result.vectors);
  } finally {
    await embedder.close();
  }
}

/**
 * --query-jitter N: image A of each pair embedded with N jittered views (a selfie), image B plain
 * (an album photo), per geometry: what query-only TTA buys without changing stored vectors.
 */
async function queryJitter(values: Values, config: EngineConfig, pairs: readonly PairSpec[], points: PointsByImage, candidates: readonly GeometryCandidate[], id: string, size: number, template: AlignTemplate, plain: readonly VectorsByImage[]): Promise<void> {
  if (values.jitter !== '0' || values.flip !== 'off') throw new InvalidInputError('--query-jitter compares against plain vectors: use it with --jitter 0 --flip off');
  const n = positiveInt(required(values['query-jitter'], '--query-jitter'), '--query-jitter');
  const jittered = await ChipEmbedder.load(config, required(values.images, '--images'), id, size, parseInputRange(values['input-range']), template, n);
  const progress = createProgress(`${id} query jitter ${n}`);
  try {
    const result = await searchGeometries({ pairs, points, candidates, flip: 'off', embed: jittered.embedAt, onProgress: progress.update });
    progress.finish();
    result.scores.forEach((s, i) => {
      print({ query_jitter: n, scale: s.scale, shiftY: s.shiftY, both_jittered: scoreVectors(pairs, result.vectors[i]), query_jittered_gallery_plain: scoreCross(pairs, result.vectors[i], plain[i]) });
    });
  } finally {
    await jittered.close();
  }
}

/** Weights for k members: every combination of the list for the first k−1, the last fixed at 1. */
function weightGrid(list: readonly number[], k: number): number[][] {
  if (k === 1) return [[1]];
  return weightGrid(list, k - 1).flatMap((rest) => list.map((w) => [w, ...rest]));
}

async function ensemble(values: Values): Promise<void> {
  const config = loadEngineConfig();
  const pairs = await loadTrainPairs(values);
  const points = await fivePointsFor(values, config, pairs);
  const members = (values.member ?? []).map(parseMember);
  if (members.length < 2) throw new InvalidInputError('an ensemble needs at least two --member id:size:scale:shiftY');
  const ranges = values['member-range'] ?? [];
  const flip = parseFlip(values.flip);
  if (flip === 'both') throw new InvalidInputError('ensemble: --flip must be on or off');
  const vectors: VectorsByImage[] = [];
  for (const [i, m] of members.entries()) {
    const embedder = await ChipEmbedder.load(config, required(values.images, '--images'), m.id, m.size, parseInputRange(ranges[i] ?? '0..255'));
    const progress = createProgress(m.id);
    try {
      const result = await searchGeometries({ pairs, points, candidates: [m], flip, embed: embedder.embedAt, onProgress: progress.update });
      progress.finish();
      print({ member: m, ...result.scores[0], ms_per_face: embedder.msPerFace });
      vectors.push(result.vectors[0]);
    } finally {
      await embedder.close();
    }
  }
  const weights = weightGrid(parseNumberList(values.weights ?? '1', '--weights'), members.length);
  const rows = weights.map((w) => ({ weights: w, ...scoreEnsemble(pairs, vectors, w) })).sort((a, b) => b.accuracy - a.accuracy || b.auc - a.auc);
  for (const row of rows) print({ ensemble: members.map((m) => m.id), flip: flip === 'on', ...row });
}

/**
 * Checks a fitted calibration on any pairs (test pairs too: nothing is chosen here): the rates of
 * "Similarity >= 80" and the Similarity at a few cosines, with the engine of FACEREC_MODEL_SET.
 */
async function checkCalibration(values: Values): Promise<void> {
  const cal: Calibration = { kind: 'logistic', cosineAt80: Number(required(values['cosine-at-80'], '--cosine-at-80')), slope: Number(required(values.slope, '--slope')), targetFmr: 0, fmrAt80: 0, tarAt80: 0, negatives: 0, positives: 0 };
  if (!Number.isFinite(cal.cosineAt80) || !(cal.slope > 0)) throw new InvalidInputError('--cosine-at-80 must be a number and --slope positive');
  const pairs = await readPairsCsv(required(values.pairs, '--pairs'));
  const threads = positiveInt(values.threads, '--threads');
  const config = loadEngineConfig();
  const engine = await PooledFaceEngine.start({ ...config, threads }, resolveModelSet(process.env.FACEREC_MODEL_SET));
  const cache = new EmbeddingCache(engine, required(values.images, '--images'));
  const progress = createProgress('embed');
  try {
    const images = [...new Set(pairs.flatMap((p) => [p.imageA, p.imageB]))];
    let done = 0;
    await mapConcurrent(images, threads, async (rel) => {
      await cache.embed(rel);
      progress.update(++done, images.length);
    });
    progress.finish();
    const sims = await Promise.all(pairs.map(async (p) => {
      const [a, b] = [(await cache.embed(p.imageA)).embedding, (await cache.embed(p.imageB)).embedding];
      return { same: p.same, similarity: a === null || b === null ? null : toSimilarity(cal, dot(a, b)) };
    }));
    const rate = (same: boolean): number => sims.filter((s) => s.same === same && s.similarity !== null && s.similarity >= 80).length / sims.filter((s) => s.same === same).length;
    const curve = Object.fromEntries([0.8, 0.85, 0.9, cal.cosineAt80, 0.95, 0.98].map((c) => [c.toFixed(4), toSimilarity(cal, c)]));
    print({ model_version: engine.modelVersion, pairs: pairs.length, no_face_pairs: sims.filter((s) => s.similarity === null).length, fmr_at_80: rate(false), tar_at_80: rate(true), similarity_at_cosine: curve });
  } finally {
    await engine.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  if (positionals[0] === 'geometry') await geometry(values);
  else if (positionals[0] === 'ensemble') await ensemble(values);
  else if (positionals[0] === 'check-calibration') await checkCalibration(values);
  else if (positionals[0] === 'mean-shape') await meanShape(values);
  else throw new InvalidInputError('usage: main.ts geometry|ensemble|check-calibration|mean-shape [options] (see the comment at the top of main.ts)');
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
