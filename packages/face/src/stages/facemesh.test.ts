import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareModels } from '@facerec/models';
import { loadEngineConfig } from '../config.js';
import { decodeImage } from '../image/decode.js';
import { applyAffine, invertAffine, warpAffineToTensor, type Affine, type RgbImage } from '../image/rgb.js';
import type { Point } from '../geometry/similarity.js';
import { OnnxModel } from '../runtime/session.js';
import { sharedFace, syntheticMesh } from '../testing.js';
import { boxFromLandmarks, fivePoints, LandmarkModel } from './landmarks.js';
import { blendFivePoints, cropAround, cropFrom68, FaceMeshModel, MESH_INDEX, MESH_POINT_COUNT, meshCropAffine, meshFitFivePoints, meshFivePoints, meshSubset } from './facemesh.js';

const close = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) <= eps;

describe('mesh crop geometry', () => {
  test('meshCropAffine puts the crop centre on the region centre and turns by the angle', () => {
    const crop = { cx: 100, cy: 80, side: 96, angle: Math.PI / 6 };
    const m = meshCropAffine(crop, 192);
    const [x, y] = applyAffine(m, 96, 96);
    assert.ok(close(x, 100) && close(y, 80));
    // One crop pixel along u is half an image pixel (96 / 192) along the crop's turned x axis.
    const [x1, y1] = applyAffine(m, 97, 96);
    assert.ok(close(x1 - x, 0.5 * Math.cos(Math.PI / 6)) && close(y1 - y, 0.5 * Math.sin(Math.PI / 6)));
    const [x2, y2] = applyAffine(m, 96, 97);
    assert.ok(close(x2 - x, -0.5 * Math.sin(Math.PI / 6)) && close(y2 - y, 0.5 * Math.cos(Math.PI / 6)));
  });

  test('cropAround recovers a turned square: angle from the eyes, side from the turned box, times scale', () => {
    const angle = 0.3;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    // A 40×20 rectangle centred at (50, 60), turned by `angle`.
    const local: Point[] = [[-20, -10], [20, -10], [20, 10], [-20, 10], [0, 0]];
    const pts = local.map(([u, v]): Point => [50 + c * u - s * v, 60 + s * u + c * v]);
    const crop = cropAround(pts, [pts[0], pts[1]], 1.5);
    assert.ok(close(crop.angle, angle) && close(crop.cx, 50) && close(crop.cy, 60) && close(crop.side, 60));
    // foreheadLift moves the top of the turned box up by that share of its height.
    const lifted = cropAround(pts, [pts[0], pts[1]], 1, 0.5);
    assert.ok(close(lifted.side, 40));
    assert.ok(close(lifted.cx, 50 + s * 5) && close(lifted.cy, 60 - c * 5));
  });
});

describe('meshFivePoints', () => {
  const mesh: Point[] = syntheticMesh([30, 40], [70, 42], [50, 60], [35, 80], [65, 81]);

  test('ring eyes, nose tip, mouth corners in fivePoints order', () => {
    assert.deepEqual(meshFivePoints(mesh), [[30, 40], [70, 42], [50, 60], [35, 80], [65, 81]]);
    assert.throws(() => meshFivePoints(mesh.slice(0, 68)), /468/);
  });

  test('corner eyes average the outer and inner corner only', () => {
    const m = mesh.map((p) => p);
    m[MESH_INDEX.outerEyeCorners[0]] = [20, 40];
    m[MESH_INDEX.innerEyeCorners[0]] = [36, 44];
    assert.deepEqual(meshFivePoints(m, 'corners')[0], [28, 42]);
    // The ring: 14 points at (30, 40) and the two corners.
    assert.deepEqual(meshFivePoints(m, 'ring')[0], [29.75, 40.25]);
  });

  test('the eye rings are disjoint and every index is a mesh point', () => {
    const all = [...MESH_INDEX.eyeRingImageLeft, ...MESH_INDEX.eyeRingImageRight];
    assert.equal(new Set(all).size, all.length);
    for (const i of [...all, MESH_INDEX.noseTip, ...MESH_INDEX.mouthCorners]) assert.ok(i >= 0 && i < MESH_POINT_COUNT);
  });

  test('blendFivePoints weighs a against b, optionally the eyes only', () => {
    const a: Point[] = [[0, 0], [10, 0], [5, 5], [2, 8], [8, 8]];
    const b: Point[] = [[2, 2], [12, 2], [7, 7], [4, 10], [10, 10]];
    assert.deepEqual(blendFivePoints(a, b, 0.5), [[1, 1], [11, 1], [6, 6], [3, 9], [9, 9]]);
    assert.deepEqual(blendFivePoints(a, b, 0.5, true), [[1, 1], [11, 1], [5, 5], [2, 8], [8, 8]]);
    assert.deepEqual(blendFivePoints(a, b, 1), a);
  });
});

describe('meshFitFivePoints', () => {
  // A pseudo-random mean mesh, and a face that is that mesh turned, scaled and moved.
  const meanMesh: Point[] = Array.from({ length: MESH_POINT_COUNT }, (_, k) => [Math.sin(k * 1.7) * 50, Math.cos(k * 2.3) * 60] as const);
  const pose: Affine = [1.2 * Math.cos(0.2), -1.2 * Math.sin(0.2), 100, 1.2 * Math.sin(0.2), 1.2 * Math.cos(0.2), 80];
  const face = meanMesh.map(([x, y]) => applyAffine(pose, x, y));
  const expected = meshFivePoints(meanMesh).map(([x, y]) => applyAffine(pose, x, y));
  const maxDiff = (a: readonly Point[], b: readonly Point[]) => Math.max(...a.map(([x, y], k) => Math.hypot(x - b[k][0], y - b[k][1])));

  test('a face that is a similarity image of the mean gives the mean\'s five points through that similarity', () => {
    assert.ok(maxDiff(meshFitFivePoints(face, meanMesh, meshSubset('all')), expected) < 1e-9);
  });

  test('the subsets leave out the outline (inner) and the lips too (rigid)', () => {
    const [all, inner, rigid] = [meshSubset('all'), meshSubset('inner'), meshSubset('rigid')];
    assert.equal(all.length, MESH_POINT_COUNT);
    assert.equal(inner.length, MESH_POINT_COUNT - 36);
    assert.ok(!inner.includes(10) && !inner.includes(152) && inner.includes(MESH_INDEX.mouthCorners[0]));
    assert.ok(!rigid.includes(MESH_INDEX.mouthCorners[0]) && !rigid.includes(13) && rigid.includes(MESH_INDEX.noseTip));
    // An outline point moved far off changes the 'all' fit, not the 'inner' one.
    const moved = face.map((p, k): Point => (k === 152 ? [p[0] + 500, p[1] + 500] : p));
    assert.ok(maxDiff(meshFitFivePoints(moved, meanMesh, inner), expected) < 1e-9);
    assert.ok(maxDiff(meshFitFivePoints(moved, meanMesh, all), expected) > 0.1);
  });
});

/** `img` resampled through `outToSrc` into a new image of the same size (0..255, rounded). */
function warpImage(img: RgbImage, outToSrc: Affine): RgbImage {
  const t = warpAffineToTensor(img, outToSrc, img.width, img.height, undefined, 0, 128);
  return { width: img.width, height: img.height, data: Uint8Array.from(t, (v) => Math.round(v)) };
}

describe('FaceMesh on a real face', () => {
  let mesh: FaceMeshModel;
  let landmarks: LandmarkModel;
  const models: OnnxModel[] = [];
  let img: RgbImage;
  let points68: Point[];

  before(async () => {
    const config = loadEngineConfig();
    await prepareModels(['facemesh', 'face-landmark-68'], config.modelCacheDir);
    models.push(await OnnxModel.load(config.modelCacheDir, 'facemesh'), await OnnxModel.load(config.modelCacheDir, 'face-landmark-68'));
    mesh = new FaceMeshModel(models[0]);
    landmarks = new LandmarkModel(models[1], 112);
    img = await decodeImage(await sharedFace('dev/barack_obama/1.jpg'), { maxPixels: 50e6, maxSide: 1600, allowExtraFormats: false });
    // The portrait's face sits in the top middle: two 68-point passes from a loose box, as the pipeline does.
    const loose = { x1: 0.3 * img.width, y1: 0.04 * img.height, x2: 0.7 * img.width, y2: 0.38 * img.height, score: 1 };
    const first = (await landmarks.locate(img, [loose]))[0];
    points68 = (await landmarks.locate(img, [boxFromLandmarks(first)]))[0];
  });
  after(async () => {
    await Promise.all(models.map((m) => m.release()));
  });

  const iod = (p: readonly Point[]) => Math.hypot(p[1][0] - p[0][0], p[1][1] - p[0][1]);
  const maxError = (a: readonly Point[], b: readonly Point[]) => Math.max(...a.map(([x, y], k) => Math.hypot(x - b[k][0], y - b[k][1]))) / iod(b);

  test('finds the face and agrees with the 68-point net on the five points (within 12 % of the eye distance)', async (t) => {
    const [face] = await mesh.track(img, [points68], 2);
    assert.ok(face.score > 0.9, `face score ${face.score}`);
    assert.equal(face.points.length, MESH_POINT_COUNT);
    const five = meshFivePoints(face.points);
    const ref = fivePoints(points68);
    assert.ok(five[0][0] < five[1][0] && five[3][0] < five[4][0], 'image-left eye and mouth corner come first');
    const err = maxError(five, ref);
    t.diagnostic(`largest difference ${err.toFixed(3)} of the eye distance`);
    assert.ok(err < 0.12, `largest five-point difference ${err.toFixed(3)} of the eye distance`);
  });

  test('a turned photo gives the same points, turned (the crop is levelled on the eyes)', async (t) => {
    const [plain] = await mesh.track(img, [points68], 2);
    // Turn the photo by 25° about the face: out(u) = rotation⁻¹ applied to src around the eye midpoint.
    const ref = fivePoints(points68);
    const [mx, my] = [(ref[0][0] + ref[1][0]) / 2, (ref[0][1] + ref[1][1]) / 2];
    const a = (25 * Math.PI) / 180;
    const [c, s] = [Math.cos(a), Math.sin(a)];
    const srcToOut: Affine = [c, -s, mx - c * mx + s * my, s, c, my - s * mx - c * my];
    const turned = warpImage(img, invertAffine(srcToOut));
    const turned68 = points68.map(([x, y]) => applyAffine(srcToOut, x, y));
    const crop = cropFrom68(turned68);
    assert.ok(Math.abs(crop.angle - a) < 0.05, `crop angle ${crop.angle}`);
    const [face] = await mesh.track(turned, [turned68], 2);
    const back = meshFivePoints(face.points).map(([x, y]) => applyAffine(invertAffine(srcToOut), x, y));
    const err = maxError(back, meshFivePoints(plain.points));
    assert.ok(err < 0.05, `turned vs plain: ${err.toFixed(3)} of the eye distance`);
    // Without levelling (angle 0) the model sees a turned face; the levelled result must be the closer one.
    const unlevelled = await mesh.locate(turned, [{ ...crop, angle: 0 }]);
    const backUnlevelled = meshFivePoints(unlevelled[0].points).map(([x, y]) => applyAffine(invertAffine(srcToOut), x, y));
    const errUnlevelled = maxError(backUnlevelled, meshFivePoints(plain.points));
    t.diagnostic(`turned vs plain: levelled ${err.toFixed(3)}, unlevelled ${errUnlevelled.toFixed(3)} of the eye distance`);
    assert.ok(err <= errUnlevelled + 0.01);
  });
});
