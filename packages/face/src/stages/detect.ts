import { ConfigError } from '@facerec/core';
import { letterbox, RAW_PIXELS, shrinkTo, tilesOfSize, toImageX, toImageY, type InputRange, type Region, type ScaledImage } from '../image/letterbox.js';
import type { RgbImage } from '../image/rgb.js';
import { iou, nms, type Box } from '../geometry/nms.js';
import type { OnnxModel } from '../runtime/session.js';

/** A face found by a detector, in pixels of the decoded image; score 0..1. */
export interface FaceBox extends Box {
  /** Detector keypoints in pixels when the detector has them (BlazeFace: eyes, nose, mouth, ears). */
  keypoints?: [number, number][];
  /**
   * Where the landmark model should look, when the detector has a `landmarkSeed` calibration: a
   * square shaped like the box a first landmark pass implies (`boxFromLandmarks`), so a selfie's
   * landmarks can take one pass on it instead of two.
   */
  seed?: Box;
}

/** Scores below this never leave a detector pass; the caller applies MIN_FACE_CONFIDENCE. */
const CANDIDATE_SCORE = 0.2;
const NMS_IOU = 0.3;

/** What the pipeline must know about a detector beyond its graph. */
export interface DetectorTraits {
  input: InputRange;
  /**
   * Width in input pixels of the smallest face it finds reliably. Measured by pasting LFW faces at
   * each width onto a background (detect-bench.ts minface, docs/benchmarks.md): SSD finds 39/40 at
   * 16 px and 34/40 at 14 px, with dips between anchor scales (25/40 at 34 px, 32/40 at 64 px)
   * that real photos, with bodies around the faces, showed much less.
   */
  minFacePx: number;
  /**
   * The box a first landmark pass implies, relative to this detector's box (side = its longer
   * side): centre moved by `shiftY` sides, side scaled by `scale`. See `landmarkSeed`.
   */
  landmarkSeed?: { shiftY: number; scale: number };
}

const BLAZEFACE_INPUT: InputRange = { scale: 1 / 127.5, offset: -1 };

export const DETECTOR_TRAITS: Readonly<Record<string, DetectorTraits>> = {
  'ssd-mobilenetv1': { input: RAW_PIXELS, minFacePx: 16 },
  'tiny-face-detector': { input: RAW_PIXELS, minFacePx: 32 },
  'blazeface-back': { input: BLAZEFACE_INPUT, minFacePx: 16 },
  // Seed: medians over 699 faces (600 LFW dev-train photos, the 106 dev portraits as selfies) of
  // the box the first landmark pass implied: its centre 0.079 of a side higher (p10–p90 0.037–0.123),
  // its side 1.189× (1.105–1.274). The second pass then moves the box by about 1 %.
  'blazeface-front': { input: BLAZEFACE_INPUT, minFacePx: 24, landmarkSeed: { shiftY: -0.079, scale: 1.189 } },
};

export function detectorTraits(id: string): DetectorTraits {
  const traits = DETECTOR_TRAITS[id];
  if (!traits) throw new ConfigError(`no detector traits for model "${id}" (known: ${Object.keys(DETECTOR_TRAITS).join(', ')})`);
  return traits;
}

/**
 * A single-shot detector whose ONNX graph decodes its own anchors: outputs `boxes` [N,4]
 * (x1,y1,x2,y2 in 0..1 of its square input), `scores` [N] and optionally `keypoints` [N,K,2].
 */
export class Detector {
  readonly traits: DetectorTraits;

  constructor(
    private readonly model: OnnxModel,
    readonly inputSize: number,
    traits?: DetectorTraits,
  ) {
    this.traits = traits ?? detectorTraits(model.id);
  }

  /** One pass over `region` (default the whole image), letterboxed, optionally zoomed out. */
  async detect(img: RgbImage, region: Region = { x: 0, y: 0, width: img.width, height: img.height }, zoomOut = 1): Promise<FaceBox[]> {
    const { tensor, placement } = await letterbox(img, region, this.inputSize, zoomOut, this.traits.input);
    const out = await this.model.run(tensor, [1, this.inputSize, this.inputSize, 3]);
    const boxes = out.boxes.data;
    const scores = out.scores.data;
    const kp = out.keypoints;
    const perFace = kp ? kp.data.length / scores.length / 2 : 0;
    const found: FaceBox[] = [];
    for (let i = 0; i < scores.length; i++) {
      if (!(scores[i] >= CANDIDATE_SCORE)) continue;
      const face: FaceBox = {
        x1: clamp(toImageX(placement, boxes[i * 4]), 0, img.width),
        y1: clamp(toImageY(placement, boxes[i * 4 + 1]), 0, img.height),
        x2: clamp(toImageX(placement, boxes[i * 4 + 2]), 0, img.width),
        y2: clamp(toImageY(placement, boxes[i * 4 + 3]), 0, img.height),
        score: scores[i],
      };
      if (face.x2 - face.x1 < 2 || face.y2 - face.y1 < 2) continue;
      if (this.traits.landmarkSeed) face.seed = landmarkSeed(face, this.traits.landmarkSeed);
      if (kp) {
        face.keypoints = [];
        for (let k = 0; k < perFace; k++) {
          const o = (i * perFace + k) * 2;
          face.keypoints.push([toImageX(placement, kp.data[o]), toImageY(placement, kp.data[o + 1])]);
        }
      }
      found.push(face);
    }
    return nms(found, NMS_IOU);
  }

}

/** The square a detector's calibration says the landmarks will imply for `box`. */
export function landmarkSeed(box: Box, seed: { shiftY: number; scale: number }): Box {
  const side = Math.max(box.x2 - box.x1, box.y2 - box.y1);
  const half = (side * seed.scale) / 2;
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2 + seed.shiftY * side;
  return { x1: cx - half, y1: cy - half, x2: cx + half, y2: cy + half, score: box.score };
}

/** What tiling needs to know of a detector. */
export interface DetectorScale {
  inputSize: number;
  traits: DetectorTraits;
}

/** The smallest face (pixels of a `width`×`height` frame) a pass over the whole frame finds reliably. */
export function smallestVisibleFace(detector: DetectorScale, width: number, height: number): number {
  return (detector.traits.minFacePx * Math.max(width, height)) / detector.inputSize;
}

export interface DetectionPlan {
  /** Run overlapping tiles when the whole frame cannot show the faces asked for. */
  tiling: boolean;
  /** The smallest face to find, in pixels of the decoded image (the album-mode promise). */
  minFacePx: number;
  /** Cheap detectors whose agreement adds faces the main one missed (see `secondOpinion`). */
  secondOpinion?: readonly Detector[];
}

/** A face found this close to the limit of the whole-frame pass hints at smaller ones beside it. */
const SMALL_FACE_SIGN = 1.5;

const VISIBLE_SLACK = 1.15;

/** Beyond this many tiles the photo is analysed at the coarsest grid that still keeps the promise. */
const MAX_TILES = 36;

export interface AlbumDetection {
  faces: FaceBox[];
  /** Detector passes run (whole frame, tiles, zoomed-out), for benchmarks. */
  passes: number;
}

/**
 * Album detection, for recall at a bounded cost. The whole frame first. Tiles only when the frame
 * is too large for the whole-frame pass to see faces of `plan.minFacePx`, or when it found faces
 * near its own limit (a crowd whose smaller members it may have missed). A zoomed-out pass when
 * nothing was found (a portrait whose face fills the frame).
 */
export async function detectAll(detector: Detector, img: RgbImage, plan: DetectionPlan, minScore: number): Promise<AlbumDetection> {
  const sure = (f: FaceBox): boolean => f.score >= minScore;
  // The whole-frame passes (and the second opinion) share one resize to the detector's input.
  const view = await shrinkTo(img, detector.inputSize);
  const whole = await detectScaled(detector, view);
  const found = [...whole];
  let passes = 1;
  const regions = plan.tiling ? tilePlan(detector, img, whole.filter(sure), plan.minFacePx) : [];
  for (const tile of regions) {
    found.push(...wholeInTile(await detector.detect(img, tile), tile, img));
    passes++;
  }
  if (!found.some(sure)) {
    found.push(...(await detectScaled(detector, view, 2)));
    passes++;
  }
  const faces = nms(found, NMS_IOU).filter(sure);
  if (plan.secondOpinion && plan.secondOpinion.length >= 2) {
    faces.push(...(await secondOpinion(plan.secondOpinion, view, faces, minScore)));
    passes += plan.secondOpinion.length;
  }
  return { faces, passes };
}

/** Zoom of the second-opinion passes: a margin around the frame helps with faces the edge cuts. */
const SECOND_OPINION_ZOOM = 1.25;
/** Boxes of the same face from two detectors overlap at least this much (their framings differ). */
const AGREE_IOU = 0.3;
/** A candidate overlapping a known face this much is that face, not a new one. */
const KNOWN_IOU = 0.1;

/**
 * Faces that every one of several independently trained cheap detectors finds (each ≥ minScore,
 * boxes overlapping) and that no known face covers. The accurate detector misses faces cut by the
 * frame's edge and some unusual ones (a driver in a helmet); one cheap detector alone has false
 * positives, but on the dev groups, 106 portraits and 300 LFW photos their agreement added only
 * real faces (docs/benchmarks.md). Each face's box is the mean of the agreeing boxes, its score
 * the lowest of theirs. The first detector's candidates must already be new (no known face under
 * them), so the others run only when it saw something new.
 */
export async function secondOpinion(detectors: readonly Detector[], source: ScaledImage, known: readonly Box[], minScore: number): Promise<FaceBox[]> {
  // One shared resize to the largest input any of them needs, instead of one per detector.
  const small = await shrinkTo(source.image, Math.max(...detectors.map((d) => d.inputSize)) / SECOND_OPINION_ZOOM);
  const view = { image: small.image, scale: small.scale * source.scale };
  const isNew = (f: Box): boolean => known.every((k) => iou(k, f) <= KNOWN_IOU);
  const opinions: FaceBox[][] = [];
  for (const d of detectors) {
    opinions.push((await detectScaled(d, view, SECOND_OPINION_ZOOM)).filter((f) => f.score >= minScore));
    // Most photos end here: the first opinion sees nothing the accurate detector has not found.
    if (!opinions[0].some(isNew)) return [];
  }
  const [first, ...others] = opinions;
  const added: FaceBox[] = [];
  for (const candidate of first.filter(isNew)) {
    const agreeing = [candidate];
    for (const other of others) {
      const match = other.find((f) => iou(f, candidate) > AGREE_IOU);
      if (!match) break;
      agreeing.push(match);
    }
    if (agreeing.length < opinions.length) continue;
    const face = meanBox(agreeing);
    if (isNew(face) && added.every((k) => iou(k, face) <= KNOWN_IOU)) added.push(face);
  }
  return added;
}

/** A whole-frame pass on a resized copy, boxes mapped back to the original's pixels. */
async function detectScaled(detector: Detector, view: ScaledImage, zoomOut = 1): Promise<FaceBox[]> {
  const found = await detector.detect(view.image, undefined, zoomOut);
  if (view.scale === 1) return found;
  const k = 1 / view.scale;
  return found.map((f) => ({
    x1: f.x1 * k,
    y1: f.y1 * k,
    x2: f.x2 * k,
    y2: f.y2 * k,
    score: f.score,
    ...(f.keypoints ? { keypoints: f.keypoints.map(([x, y]): [number, number] => [x * k, y * k]) } : {}),
  }));
}

function meanBox(boxes: readonly Box[]): FaceBox {
  const mean = (pick: (b: Box) => number): number => boxes.reduce((s, b) => s + pick(b), 0) / boxes.length;
  return { x1: mean((b) => b.x1), y1: mean((b) => b.y1), x2: mean((b) => b.x2), y2: mean((b) => b.y2), score: Math.min(...boxes.map((b) => b.score)) };
}

/**
 * The tiles an album photo needs: none when the whole frame already shows the faces asked for
 * (and no found face hints at smaller ones), else tiles small enough that such faces reach the
 * detector's reliable size, overlapping by the largest face the whole-frame pass might miss.
 */
export function tilePlan(detector: DetectorScale, img: { width: number; height: number }, faces: readonly Box[], minFacePx: number): Region[] {
  const visible = smallestVisibleFace(detector, img.width, img.height);
  let want = minFacePx;
  const smallest = Math.min(...faces.map((f) => Math.min(f.x2 - f.x1, f.y2 - f.y1)));
  if (smallest < SMALL_FACE_SIGN * visible) want = Math.min(want, visible / 2);
  // SSD still finds 85 % of faces 15 % under its reliable size (docs/benchmarks.md): a frame that
  // misses the promise by less than that is not worth two or more extra passes.
  if (visible <= VISIBLE_SLACK * want) return [];
  const longSide = Math.max(img.width, img.height);
  let side = (detector.inputSize * want) / detector.traits.minFacePx;
  // Faces the whole frame may miss are up to `visible` wide (plus the box margin): tiles overlap by that.
  const overlap = 1.25 * visible;
  let regions = tilesOfSize(img.width, img.height, side, overlap);
  while (regions.length > MAX_TILES) {
    side *= 1.15;
    regions = tilesOfSize(img.width, img.height, side, overlap);
  }
  return side >= 0.9 * longSide ? [] : regions;
}

/**
 * Drops detections that touch a tile's inner edge: they are faces cut by the tile, which the
 * overlapping neighbour (or the whole-frame pass) sees whole; kept, they would be partial boxes.
 */
function wholeInTile(faces: readonly FaceBox[], tile: Region, img: RgbImage): FaceBox[] {
  const margin = 0.01 * Math.max(tile.width, tile.height);
  const left = tile.x > 0 ? tile.x + margin : -Infinity;
  const top = tile.y > 0 ? tile.y + margin : -Infinity;
  const right = tile.x + tile.width < img.width ? tile.x + tile.width - margin : Infinity;
  const bottom = tile.y + tile.height < img.height ? tile.y + tile.height - margin : Infinity;
  return faces.filter((f) => f.x1 > left && f.y1 > top && f.x2 < right && f.y2 < bottom);
}

/**
 * The cheap selfie detector's face is taken only at this score or above; below, the accurate one
 * decides. Measured with blazeface-front on the whole frame (docs/benchmarks.md): 500/500 LFW photos
 * and 99/106 dev portraits score ≥ 0.75, the non-face photos at most 0.22.
 */
const FAST_ACCEPT_SCORE = 0.75;

/**
 * The cheap detectors' later tries, before the accurate detector's two passes (≈ 35 ms each, ten
 * times a cheap one's): blazeface-front on the frame zoomed out (a face cut by a tight crop becomes
 * a whole face in a scene), then the backup detector (blazeface-back, trained on smaller faces
 * further away) on the frame. Both score higher on non-faces than blazeface-front on the frame (at
 * most 0.58 and 0.68 on the dev non-face photos), hence a stricter bar; the dev portraits they
 * rescue score 0.83–0.96 (docs/benchmarks.md "Search under load").
 */
const FAST_ZOOM = 1.5;
const FALLBACK_ACCEPT_SCORE = 0.8;

/**
 * Selfie detection, for speed: the largest face (see `subjectFace` for near-ties). The first cheap
 * detector on the frame, then zoomed out, then any further cheap detector on the frame; the
 * accurate one (on the frame, then zoomed out, since selfies fill the frame) only when none of
 * them is sure.
 */
export async function detectLargest(cheap: readonly Detector[], accurate: Detector, img: RgbImage, minScore: number): Promise<FaceBox[]> {
  const passes: [() => Promise<FaceBox[]>, number][] = [];
  const [first, ...backups] = cheap;
  if (first) {
    passes.push([() => first.detect(img), Math.max(minScore, FAST_ACCEPT_SCORE)]);
    passes.push([() => first.detect(img, undefined, FAST_ZOOM), Math.max(minScore, FALLBACK_ACCEPT_SCORE)]);
  }
  for (const backup of backups) passes.push([() => backup.detect(img), Math.max(minScore, FALLBACK_ACCEPT_SCORE)]);
  passes.push([() => accurate.detect(img), minScore], [() => accurate.detect(img, undefined, 2), minScore]);
  for (const [pass, threshold] of passes) {
    const found = (await pass()).filter((f) => f.score >= threshold);
    if (found.length > 0) return [subjectFace(found, img)];
  }
  return [];
}

/**
 * Faces whose side is at least this fraction of the largest one's count as "the same size":
 * detector boxes of one face size jitter by several percent, so the largest box among near-equal
 * faces is a coin toss. On LFW dev-train, every image where the largest box was not the centred
 * subject had the subject's side at 0.82–0.99 of the bystander's (docs/benchmarks.md).
 */
export const SAME_SIZE_RATIO = 0.8;

/**
 * The face a one-face request means: the largest (Rekognition's rule), except that among faces of
 * about the largest one's size (side ≥ SAME_SIZE_RATIO of it) the one nearest the image centre
 * wins — the person a selfie or portrait is framed on, not a bystander at the edge whose box came
 * out a little bigger. A clearly larger face always wins, wherever it is.
 */
export function subjectFace<T extends Box>(boxes: readonly T[], img: { width: number; height: number }): T {
  const big = largest(boxes);
  const minSide = SAME_SIZE_RATIO * side(big);
  const offCentre = (b: Box): number => Math.hypot((b.x1 + b.x2) / 2 - img.width / 2, (b.y1 + b.y2) / 2 - img.height / 2);
  return boxes.filter((b) => side(b) >= minSide).reduce((a, b) => (offCentre(b) < offCentre(a) ? b : a), big);
}

function side(b: Box): number {
  return Math.sqrt(Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1));
}

export function largest<T extends Box>(boxes: readonly T[]): T {
  return boxes.reduce((a, b) => ((b.x2 - b.x1) * (b.y2 - b.y1) > (a.x2 - a.x1) * (a.y2 - a.y1) ? b : a));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
