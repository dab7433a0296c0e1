import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MESH_POINT_COUNT } from '../../../face/src/stages/facemesh.js';
import { syntheticMesh } from '../../../face/src/testing.js';
import type { Point } from '../../../face/src/geometry/similarity.js';
import { meshToFive, parseMeshPoints, parseMeshRecipe } from './facemesh.js';

test('parseMeshRecipe: passes and the first crop scale (MediaPipe 1.5 by default)', () => {
  assert.deepEqual(parseMeshRecipe('m2'), { passes: 2, firstScale: 1.5 });
  assert.deepEqual(parseMeshRecipe('m1s1.7'), { passes: 1, firstScale: 1.7 });
  for (const bad of ['p2', 'm0', 'm5', 'm2s0.5', 'm2s', 'm2x']) assert.throws(() => parseMeshRecipe(bad), /mesh/, bad);
});

test('parseMeshPoints: the mesh alone, or blended with the 68 points', () => {
  assert.deepEqual(parseMeshPoints('ring'), { kind: 'mesh', eyes: 'ring' });
  assert.deepEqual(parseMeshPoints('corners'), { kind: 'mesh', eyes: 'corners' });
  assert.deepEqual(parseMeshPoints('eyes0.5'), { kind: 'blend', weight: 0.5, eyesOnly: true, rest: 'mesh' });
  assert.deepEqual(parseMeshPoints('all0.25'), { kind: 'blend', weight: 0.25, eyesOnly: false, rest: 'mesh' });
  assert.deepEqual(parseMeshPoints('eyes68_1'), { kind: 'blend', weight: 1, eyesOnly: true, rest: '68' });
  for (const bad of ['eyes', 'eyes1.5', 'mix0.5', 'all-1']) assert.throws(() => parseMeshPoints(bad), /mesh-points/, bad);
});

/** 68 iBUG points whose five points are known: eyes (20, 40) / (60, 40), nose tip (40, 60), mouth (28, 80) / (52, 80). */
function face68(): Point[] {
  const p: Point[] = Array.from({ length: 68 }, () => [0, 0] as const);
  for (let i = 36; i <= 41; i++) p[i] = [20, 40];
  for (let i = 42; i <= 47; i++) p[i] = [60, 40];
  p[30] = [40, 60];
  p[48] = [28, 80];
  p[54] = [52, 80];
  return p;
}

/** A mesh two pixels right and down of face68's five points. */
function mesh(): Point[] {
  return syntheticMesh([22, 42], [62, 42], [42, 62], [30, 82], [54, 82]);
}

test('meshToFive reads the mesh, or blends its points with the 68-point ones', () => {
  const [m, p] = [mesh(), face68()];
  assert.deepEqual(meshToFive(m, p, parseMeshPoints('ring')), [[22, 42], [62, 42], [42, 62], [30, 82], [54, 82]]);
  assert.deepEqual(meshToFive(m, p, parseMeshPoints('eyes0.5')), [[21, 41], [61, 41], [42, 62], [30, 82], [54, 82]]);
  assert.deepEqual(meshToFive(m, p, parseMeshPoints('all0.5')), [[21, 41], [61, 41], [41, 61], [29, 81], [53, 81]]);
  assert.deepEqual(meshToFive(m, p, parseMeshPoints('eyes68_0.5')), [[21, 41], [61, 41], [40, 60], [28, 80], [52, 80]]);
  assert.deepEqual(meshToFive(m, p, parseMeshPoints('eyes68_0')), [[20, 40], [60, 40], [40, 60], [28, 80], [52, 80]]);
});

test('meshToFive fit modes need the mean mesh and fit the chosen subset onto it', () => {
  const p = face68();
  const meanMesh: Point[] = Array.from({ length: MESH_POINT_COUNT }, (_, k) => [Math.sin(k) * 40, Math.cos(k * 1.3) * 50] as const);
  // The face is the mean mesh moved by (10, 20) and doubled in size.
  const m = meanMesh.map(([x, y]): Point => [2 * x + 10, 2 * y + 20]);
  assert.deepEqual(parseMeshPoints('fit-rigid'), { kind: 'fit', subset: 'rigid' });
  assert.throws(() => meshToFive(m, p, parseMeshPoints('fit-inner')), /mean mesh/);
  const five = meshToFive(m, p, parseMeshPoints('fit-inner'), meanMesh);
  const expected = meshToFive(m, p, parseMeshPoints('ring'));
  five.forEach(([x, y], k) => assert.ok(Math.hypot(x - expected[k][0], y - expected[k][1]) < 1e-9, `point ${k}`));
});
