import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { prepareModels } from '@facerec/models';
import { loadEngineConfig } from '../config.js';
import { decodeImage } from '../image/decode.js';
import { FacePipeline } from '../pipeline.js';
import { MODEL_SETS, modelIds, type ModelSet } from '../modelset.js';
import { OnnxModel } from '../runtime/session.js';
import { DETECTOR_TRAITS, Detector, detectAll, largest, secondOpinion, subjectFace, tilePlan } from './detect.js';

const SSD = { inputSize: 512, traits: DETECTOR_TRAITS['ssd-mobilenetv1'] };
const face = (x: number, y: number, side: number) => ({ x1: x, y1: y, x2: x + side, y2: y + side, score: 0.9 });

describe('subjectFace: the largest face, the centred one among near-equal sizes', () => {
  const frame = { width: 250, height: 250 };
  test('a bystander at the edge whose box came out 10 % larger loses to the centred face', () => {
    const bystander = face(0, 40, 100);
    const subject = face(80, 80, 90);
    assert.equal(largest([bystander, subject]), bystander);
    assert.equal(subjectFace([bystander, subject], frame), subject);
  });

  test('a clearly larger face wins wherever it is (Rekognition\'s largest face)', () => {
    const near = face(0, 0, 130);
    const centred = face(100, 100, 100);
    assert.equal(subjectFace([centred, near], frame), near);
  });

  test('the size tie is relative to the largest face, not to each other', () => {
    // Within 0.8 of the largest (120) means ≥ 96: the 100 px face ties, the exactly centred 95 px one does not.
    const boxes = [face(0, 0, 120), face(75, 60, 100), face(77.5, 77.5, 95)];
    assert.equal(subjectFace(boxes, frame), boxes[1]);
    assert.equal(subjectFace([face(10, 10, 60)], frame).x1, 10);
  });
});

describe('tilePlan', () => {
  test('no tiles for a 1080p photo: the whole frame already shows 60 px faces at 16 px', () => {
    assert.deepEqual(tilePlan(SSD, { width: 1920, height: 1080 }, [face(100, 100, 150)], 60), []);
  });

  test('a 24 MP photo decoded to 2560 px is tiled so a 60 px face (25.6 px decoded) reaches 16 px', () => {
    const tiles = tilePlan(SSD, { width: 2560, height: 1707 }, [], 25.6);
    assert.equal(tiles.length, 12);
    assert.ok(tiles.every((t) => (Math.max(t.width, t.height) * 16) / 512 <= 25.6 + 1e-9));
  });

  test('a face found near the whole-frame limit asks for tiles at twice the resolution', () => {
    const tiles = tilePlan(SSD, { width: 1920, height: 1080 }, [face(0, 0, 70)], 60);
    assert.ok(tiles.length >= 2);
    assert.ok(tiles.every((t) => Math.max(t.width, t.height) <= 960));
  });
});

// Real images and models from here on: the shared face set must be beside the repository.
const FACES = path.resolve(import.meta.dirname, '../../../../../shared/faces');
const GROUPS = path.join(FACES, 'dev/_groups');
const NONFACES = path.join(FACES, 'dev/_nonfaces');
const LFW = path.join(FACES, 'lfw-view1/images');

async function requireFile(file: string): Promise<Buffer> {
  try {
    await access(file);
  } catch {
    throw new Error(`test image missing: ${file} (the shared face set must be at ${FACES}; see shared/faces/README.md)`);
  }
  return readFile(file);
}

const SECOND_OPINION = [{ id: 'tiny-face-detector', size: 416 }, { id: 'blazeface-back', size: 256 }];
const SET: ModelSet = { ...MODEL_SETS['dlib-r34-v1'], selfieDetector: { id: 'blazeface-front', size: 128 }, albumSecondOpinion: SECOND_OPINION };
const config = loadEngineConfig({ ...process.env, FACEREC_TILING: 'auto' });
let pipeline: FacePipeline;

before(async () => {
  await prepareModels(modelIds(SET), config.modelCacheDir);
  pipeline = await FacePipeline.create(SET, config);
});
after(async () => {
  await pipeline?.close();
});

const album = { mode: 'album', embed: false, attributes: false } as const;

describe('album detection on real photos', () => {
  for (const [file, faces] of [['bbt4.jpg', 6], ['two_people.jpg', 2], ['kit_with_rose.jpg', 2]] as const) {
    test(`${file}: ${faces} faces`, async () => {
      const result = await pipeline.analyze(await requireFile(path.join(GROUPS, file)), album);
      assert.equal(result.faces.length, faces);
    });
  }

  test('deepface_selfie_many_people.jpg: 6 faces, the one cut by the frame found by the second opinion', async () => {
    const bytes = await requireFile(path.join(GROUPS, 'deepface_selfie_many_people.jpg'));
    assert.equal((await pipeline.analyze(bytes, album)).faces.length, 6);
    const img = await decodeImage(bytes, { maxPixels: config.maxImagePixels, maxSide: config.decodeMaxSide });
    const models = await Promise.all(['ssd-mobilenetv1', ...SECOND_OPINION.map((m) => m.id)].map((id) => OnnxModel.load(config.modelCacheDir, id)));
    const [ssd, ...cheap] = models.map((m, i) => new Detector(m, [512, ...SECOND_OPINION.map((s) => s.size)][i]));
    const alone = await detectAll(ssd, img, { tiling: true, minFacePx: 60 }, 0.5);
    const added = await secondOpinion(cheap, { image: img, scale: 1 }, alone.faces, 0.5);
    await Promise.all(models.map((m) => m.release()));
    assert.equal(alone.faces.length, 5);
    assert.equal(added.length, 1);
    assert.ok(added[0].x1 < 0.05 * img.width && added[0].y1 > 0.6 * img.height, `added face at ${added[0].x1},${added[0].y1}`);
  });

  for (const file of ['brick.jpg', 'coffee.jpg', 'coins.jpg', 'rocket.jpg']) {
    test(`${file}: no face`, async () => {
      const result = await pipeline.analyze(await requireFile(path.join(NONFACES, file)), album);
      assert.deepEqual(result.faces, []);
    });
  }
});

describe('the min-face-size promise: a 60 px face in a 24 MP photo', () => {
  const W = 6000;
  const H = 4000;
  let photo: Buffer;
  let pasted: { left: number; top: number; width: number; height: number };

  before(async () => {
    // Measure the portrait's face, scale the portrait so that face is 60 px wide, paste it off-centre.
    const portrait = await requireFile(path.join(FACES, 'dev/angelina_jolie/1.jpg'));
    const [found] = (await pipeline.analyze(portrait, album)).faces;
    assert.ok(found, 'the portrait itself must have a detectable face');
    const meta = await sharp(portrait).metadata();
    const scale = 60 / (found.BoundingBox.Width * meta.width);
    const small = await sharp(portrait).resize(Math.round(meta.width * scale), Math.round(meta.height * scale)).toBuffer({ resolveWithObject: true });
    pasted = { left: 4100, top: 2700, width: small.info.width, height: small.info.height };
    const background = await sharp(await requireFile(path.join(NONFACES, 'brick.jpg'))).resize(W, H, { fit: 'fill' }).toBuffer();
    photo = await sharp(background).composite([{ input: small.data, left: pasted.left, top: pasted.top }]).jpeg({ quality: 90 }).toBuffer();
  });

  test('album mode finds exactly that face, about 60 px wide', async () => {
    const result = await pipeline.analyze(photo, album);
    assert.equal(result.faces.length, 1);
    const box = result.faces[0].BoundingBox;
    const cx = (box.Left + box.Width / 2) * W;
    const cy = (box.Top + box.Height / 2) * H;
    assert.ok(cx > pasted.left && cx < pasted.left + pasted.width && cy > pasted.top && cy < pasted.top + pasted.height, `face centre ${cx},${cy} outside the pasted portrait`);
    assert.ok(box.Width * W > 40 && box.Width * W < 90, `face ${box.Width * W} px wide`);
  });

  test('the whole-frame pass alone misses it (the tiles are what find it)', async () => {
    const img = await decodeImage(photo, { maxPixels: config.maxImagePixels, maxSide: config.decodeMaxSide });
    const model = await OnnxModel.load(config.modelCacheDir, 'ssd-mobilenetv1');
    const detector = new Detector(model, 512);
    const minFacePx = (60 * img.width) / img.fullWidth;
    const untiled = await detectAll(detector, img, { tiling: false, minFacePx }, config.minFaceConfidence / 100);
    const tiled = await detectAll(detector, img, { tiling: true, minFacePx }, config.minFaceConfidence / 100);
    await model.release();
    assert.equal(untiled.faces.length, 0);
    assert.equal(tiled.faces.length, 1);
    assert.ok(tiled.passes > 2);
  });
});

describe('selfie path (blazeface-front first, SSD when it finds nothing) on LFW close-ups', () => {
  // The first two are close-ups that SSD misses on the whole frame (scores below 0.5).
  const files = ['Abdoulaye_Wade/Abdoulaye_Wade_0004.jpg', 'Abdul_Majeed_Shobokshi/Abdul_Majeed_Shobokshi_0001.jpg', 'Alice_Fisher/Alice_Fisher_0001.jpg', 'Fidel_Castro/Fidel_Castro_0004.jpg', 'Sam_Bith/Sam_Bith_0001.jpg'];
  for (const file of files) {
    test(`${file}: one face, near the centre`, async () => {
      const result = await pipeline.analyze(await requireFile(path.join(LFW, file)), { mode: 'selfie', embed: false, attributes: false });
      assert.equal(result.faces.length, 1);
      const box = result.faces[0].BoundingBox;
      assert.ok(Math.abs(box.Left + box.Width / 2 - 0.5) < 0.12 && Math.abs(box.Top + box.Height / 2 - 0.5) < 0.15, JSON.stringify(box));
    });
  }

  // LFW photos where a bystander's box at the edge is slightly larger than the centred subject's.
  for (const file of ['Noelle_Bush/Noelle_Bush_0002.jpg', 'Charles_Schumer/Charles_Schumer_0002.jpg', 'Kimi_Raikkonen/Kimi_Raikkonen_0001.jpg']) {
    test(`${file}: the centred subject, not the slightly larger bystander`, async () => {
      const bytes = await requireFile(path.join(LFW, file));
      const result = await pipeline.analyze(bytes, { mode: 'selfie', embed: false, attributes: false });
      assert.equal(result.faces.length, 1);
      const box = result.faces[0].BoundingBox;
      assert.ok(Math.abs(box.Left + box.Width / 2 - 0.5) < 0.12 && Math.abs(box.Top + box.Height / 2 - 0.5) < 0.15, JSON.stringify(box));
      // The selfie detector sees both, and the larger box is the off-centre bystander's.
      const img = await decodeImage(bytes, { maxPixels: config.maxImagePixels, maxSide: config.decodeMaxSide });
      const model = await OnnxModel.load(config.modelCacheDir, 'blazeface-front');
      const found = (await new Detector(model, 128).detect(img)).filter((f) => f.score >= 0.75);
      await model.release();
      assert.ok(found.length >= 2, `blazeface-front found ${found.length} faces`);
      const big = largest(found);
      assert.ok(Math.abs((big.x1 + big.x2) / 2 / img.width - 0.5) > 0.2, 'the largest box is off-centre');
    });
  }
});

test('landmarkSeed: a square moved up by shiftY sides and scaled, from the longer side of the box', async () => {
  const { landmarkSeed } = await import('./detect.js');
  const seed = landmarkSeed({ x1: 100, y1: 50, x2: 180, y2: 150, score: 0.9 }, { shiftY: -0.1, scale: 1.2 });
  // Longer side 100: centre (140, 100) → (140, 90); side 120.
  assert.deepEqual(seed, { x1: 80, y1: 30, x2: 200, y2: 150, score: 0.9 });
});
