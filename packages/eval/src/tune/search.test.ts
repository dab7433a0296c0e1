import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PairSpec } from '../pairs.js';
import type { GeometryCandidate } from './grid.js';
import type { FivePoints, PointsByImage } from './points.js';
import { fuse, misclassified, scoreCross, scoreEnsemble, scoreVectors, searchGeometries, unit, type RawViews, type VectorsByImage } from './search.js';

const P: FivePoints = [[0, 0], [1, 0], [0.5, 0.5], [0.2, 1], [0.8, 1]];

/** Images `<person>_<n>`: person a is axis 0, b axis 1; n nudges axis 2. */
function identityVector(image: string, blur: number): Float32Array {
  const [person, n] = image.split('_');
  const v = new Float32Array(3);
  v[person === 'a' ? 0 : 1] = 1;
  v[2] = Number(n) * blur;
  return v;
}

const PAIRS: PairSpec[] = [
  { imageA: 'a_1', imageB: 'a_2', same: true },
  { imageA: 'b_1', imageB: 'b_2', same: true },
  { imageA: 'a_1', imageB: 'b_1', same: false },
  { imageA: 'a_2', imageB: 'b_2', same: false },
  { imageA: 'a_1', imageB: 'c_1', same: false },
];

describe('searchGeometries', () => {
  test('scores every geometry × flip variant, embeds each image once, and leaves out no-face pairs', async () => {
    const points: PointsByImage = new Map([['a_1', P], ['a_2', P], ['b_1', P], ['b_2', P], ['c_1', null]]);
    const calls: string[] = [];
    // Scale 1 separates the people; scale 9 sees only which photo it is, not who.
    const embed = async (image: string, _p: FivePoints, candidates: readonly GeometryCandidate[], mirror: boolean): Promise<RawViews[]> => {
      calls.push(image);
      return candidates.map((c) => {
        const plain = c.scale === 1 ? identityVector(image, 0.1) : identityVector(image.endsWith('_1') ? 'a_0' : 'b_0', 0);
        return { plain, mirrored: mirror ? plain : null };
      });
    };
    const result = await searchGeometries({ pairs: PAIRS, points, candidates: [{ scale: 1, shiftY: 0 }, { scale: 9, shiftY: 0 }], flip: 'both', embed });
    assert.deepEqual(calls.sort(), ['a_1', 'a_2', 'b_1', 'b_2']);
    assert.equal(result.noFacePairs, 1);
    assert.deepEqual(result.scores.map((s) => [s.scale, s.flip, s.pairs]), [[1, false, 4], [1, true, 4], [9, false, 4], [9, true, 4]]);
    assert.equal(result.scores[0].auc, 1);
    assert.equal(result.scores[0].accuracy, 1);
    assert.equal(result.scores[2].auc, 0);
  });
});

test('fuse adds the mirrored view before normalising', () => {
  const v = fuse({ plain: Float32Array.from([3, 0]), mirrored: Float32Array.from([1, 4]) });
  assert.deepEqual([...v].map((x) => Number(x.toFixed(6))), [0.707107, 0.707107]);
  assert.deepEqual([...unit(Float32Array.from([0, 2]))], [0, 1]);
});

test('scoreEnsemble weighs member cosines: weight 0 ignores a member', () => {
  const good: VectorsByImage = new Map(['a_1', 'a_2', 'b_1', 'b_2'].map((i) => [i, unit(identityVector(i, 0.1))]));
  // A member that says every face is the same: cosine 1 for all pairs.
  const useless: VectorsByImage = new Map(['a_1', 'a_2', 'b_1', 'b_2'].map((i) => [i, Float32Array.from([1, 0, 0])]));
  const pairs = PAIRS.slice(0, 4);
  assert.equal(scoreEnsemble(pairs, [good, useless], [1, 0]).auc, 1);
  assert.equal(scoreEnsemble(pairs, [useless, good], [1, 0]).auc, 0.5);
  assert.throws(() => scoreEnsemble(pairs, [good, useless], [0, 0]));
});

test('misclassified lists the pairs a threshold gets wrong, farthest from it first, skipping no-face pairs', () => {
  const v: VectorsByImage = new Map([['a_1', Float32Array.from([1, 0])], ['a_2', Float32Array.from([0.28, 0.96])], ['b_1', Float32Array.from([0.8, 0.6])], ['b_2', Float32Array.from([0.6, 0.8])]]);
  const errors = misclassified([...PAIRS, { imageA: 'a_1', imageB: 'b_2', same: false }], v, 0.7);
  // Wrong: a_1·a_2 = 0.28 (same, rejected), a_2·b_2 = 0.936 and a_1·b_1 = 0.8 (different, accepted);
  // right: b_1·b_2 = 0.96 (same), a_1·b_2 = 0.6 (different); a_1–c_1 has no vector.
  assert.deepEqual(errors.map((e) => [e.imageA, e.imageB]), [['a_1', 'a_2'], ['a_2', 'b_2'], ['a_1', 'b_1']]);
});

test('scoreCross takes image A from the query vectors and image B from the gallery vectors', () => {
  const pairs: PairSpec[] = [{ imageA: 'a_1', imageB: 'a_2', same: true }, { imageA: 'a_1', imageB: 'b_1', same: false }];
  const gallery: VectorsByImage = new Map([['a_2', unit(Float32Array.from([1, 0, 0]))], ['b_1', unit(Float32Array.from([0, 1, 0]))]]);
  // Query a_1 points at b: crossed it decides both pairs wrongly; from the gallery side alone it has no a_1.
  const wrong: VectorsByImage = new Map([['a_1', unit(Float32Array.from([0.2, 1, 0]))]]);
  const right: VectorsByImage = new Map([['a_1', unit(Float32Array.from([1, 0.2, 0]))]]);
  assert.equal(scoreCross(pairs, right, gallery).auc, 1);
  assert.equal(scoreCross(pairs, wrong, gallery).auc, 0);
  assert.equal(scoreCross(pairs, right, gallery).pairs, 2);
  assert.throws(() => scoreVectors(pairs, gallery), /no comparable|empty|pairs/i);
});
