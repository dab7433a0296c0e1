import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { CsvFormatError, ImageFailedError, InvalidInputError, MissingFileError } from './errors.js';
import { FakeFaceEngine } from './fake-engine.js';
import { cosine, parsePairsCsv, readPairsCsv, runPairsBench } from './pairs.js';
import { sharedFacesDir, withTempDir, writeFakeImages, writeFiles } from './test-fixtures.js';

describe('parsePairsCsv', () => {
  test('reads 1/0 and true/false, an optional fold, CRLF, a BOM and blank lines', () => {
    const text = '\uFEFFimage_a,image_b,same,fold\r\na/1.jpg,a/2.jpg,1,0\r\na/1.jpg,b/1.jpg,FALSE,1\r\n\r\nb/1.jpg , b/2.jpg,true,9\r\n';
    assert.deepEqual(parsePairsCsv(text), [
      { imageA: 'a/1.jpg', imageB: 'a/2.jpg', same: true, fold: 0 },
      { imageA: 'a/1.jpg', imageB: 'b/1.jpg', same: false, fold: 1 },
      { imageA: 'b/1.jpg', imageB: 'b/2.jpg', same: true, fold: 9 },
    ]);
  });
  test('columns are found by name', () => {
    assert.deepEqual(parsePairsCsv('same,image_b,image_a\n0,y.jpg,x.jpg\n'), [{ imageA: 'x.jpg', imageB: 'y.jpg', same: false }]);
  });
  test('errors name the file and line', () => {
    const bad = (text: string, pattern: RegExp): void => {
      assert.throws(() => parsePairsCsv(text, 'p.csv'), (e: unknown) => e instanceof CsvFormatError && pattern.test(e.message));
    };
    bad('image_a,image_b,same\na.jpg,b.jpg,1\na.jpg,b.jpg\n', /^p\.csv:3: expected 3 fields, got 2$/);
    bad('image_a,image_b,same\na.jpg,b.jpg,yes\n', /^p\.csv:2: same must be 1, 0, true or false, got "yes"$/);
    bad('image_a,image_b,same,folds\na.jpg,b.jpg,1,0\n', /^p\.csv:1: unknown column "folds"/);
    bad('image_a,same\na.jpg,1\n', /^p\.csv:1: missing column "image_b"/);
    bad('image_a,image_b,same,fold\na.jpg,b.jpg,1,x\n', /^p\.csv:2: fold must be a non-negative integer/);
    bad('image_a,image_b,same\n,b.jpg,1\n', /^p\.csv:2: empty image path/);
    bad('image_a,image_b,same\n\n', /^p\.csv:1: no pairs/);
  });
  test('a missing file is a MissingFileError naming it', async () => {
    await assert.rejects(readPairsCsv('/nonexistent/pairs.csv'), (e: unknown) => e instanceof MissingFileError && /\/nonexistent\/pairs\.csv/.test(e.message));
  });
  test('parses the shared LFW View 1 dev lists', () => {
    const dir = join(sharedFacesDir(), 'lfw-view1');
    const train = parsePairsCsv(readFileSync(join(dir, 'pairs-dev-train.csv'), 'utf8'));
    const testPairs = parsePairsCsv(readFileSync(join(dir, 'pairs-dev-test.csv'), 'utf8'));
    assert.equal(train.length, 2200);
    assert.equal(train.filter((p) => p.same).length, 1100);
    assert.equal(testPairs.length, 999);
  });
});

describe('cosine', () => {
  test('is the normalised dot product and rejects mismatched sizes', () => {
    assert.equal(cosine(new Float32Array([1, 0]), new Float32Array([2, 0])), 1);
    assert.ok(Math.abs(cosine(new Float32Array([1, 1]), new Float32Array([1, 0])) - Math.SQRT1_2) < 1e-7);
    assert.throws(() => cosine(new Float32Array(2), new Float32Array(3)), /sizes differ/);
  });
});

const IMAGES = ['alice/1', 'alice/2', 'alice/crowd3', 'bob/1', 'bob/2', 'bob/noface3', 'carol/1', 'carol/2', 'dave/1', 'dave/2'];
const TRAIN_CSV = `image_a,image_b,same
alice/1.jpg,alice/2.jpg,1
bob/1.jpg,bob/2.jpg,1
carol/1.jpg,carol/2.jpg,1
alice/1.jpg,bob/1.jpg,0
carol/1.jpg,dave/1.jpg,0
dave/2.jpg,bob/2.jpg,0
`;
// Two no-face pairs (always wrong) and a crowd image whose largest face is alice: 4/6 right.
const TEST_CSV = `image_a,image_b,same
alice/1.jpg,alice/crowd3.jpg,1
bob/1.jpg,bob/noface3.jpg,1
dave/1.jpg,dave/2.jpg,1
alice/2.jpg,carol/2.jpg,0
bob/noface3.jpg,carol/1.jpg,0
dave/2.jpg,alice/crowd3.jpg,0
`;

async function setUp(dir: string): Promise<{ images: string; train: string; test: string }> {
  const images = join(dir, 'images');
  await writeFakeImages(images, IMAGES);
  await writeFiles(dir, { 'train.csv': TRAIN_CSV, 'test.csv': TEST_CSV });
  return { images, train: join(dir, 'train.csv'), test: join(dir, 'test.csv') };
}

describe('runPairsBench', () => {
  test('train-test protocol end to end: threshold from train, no-face pairs wrong and counted', async () => {
    await withTempDir(async (dir) => {
      const { images, train, test: testCsv } = await setUp(dir);
      const engine = new FakeFaceEngine();
      const progress: [number, number][] = [];
      const run = await runPairsBench({ engine, pairs: testCsv, images, train, concurrency: 2, onProgress: (d, t) => progress.push([d, t]) });
      const r = run.result;
      assert.equal(r.protocol, 'train-test');
      assert.equal(r.model_version, 'fake-1');
      assert.equal(r.train_accuracy, 1);
      assert.ok(r.threshold > 0.05 && r.threshold < 0.95, `threshold ${r.threshold}`);
      assert.equal(r.accuracy, 4 / 6);
      assert.equal(r.accuracy_std, null);
      assert.equal(r.pairs, 6);
      assert.equal(r.no_face, 2);
      assert.equal(r.train_pairs, 6);
      assert.equal(r.train_no_face, 0);
      // AUC: 2 comparable positives beat 2 comparable negatives; the no-face pairs lose every comparison.
      assert.equal(r.auc, 4 / 9);
      // 3 negatives: FAR 1e-3 allows no false accept; the no-face positive is not accepted.
      assert.equal(r['far_1e-3_negatives'], 3);
      assert.equal(r['far_1e-3_false_accepts_allowed'], 0);
      assert.equal(r['tar_at_far_1e-3'], 2 / 3);
      assert.equal(r.images, IMAGES.length);
      assert.equal(r.images_no_face, 1);
      assert.ok(r.ms_per_image >= 0);
      assert.deepEqual(progress.at(-1), [IMAGES.length, IMAGES.length]);
      assert.equal(progress.length, IMAGES.length);
    });
  });

  test('embeds each distinct image once, in selfie mode with embeddings and no attributes', async () => {
    await withTempDir(async (dir) => {
      const { images, train, test: testCsv } = await setUp(dir);
      const engine = new FakeFaceEngine();
      await runPairsBench({ engine, pairs: testCsv, images, train, concurrency: 3 });
      const contents = engine.calls.map((c) => c.content).sort();
      assert.deepEqual(contents, [...IMAGES].sort());
      for (const call of engine.calls) {
        assert.equal(call.options.mode, 'selfie');
        assert.equal(call.options.embed, true);
        assert.equal(call.options.attributes, false);
      }
    });
  });

  test('returns the scored pairs for calibration, with the largest face of a crowd image', async () => {
    await withTempDir(async (dir) => {
      const { images, train, test: testCsv } = await setUp(dir);
      const { scored, trainScored } = await runPairsBench({ engine: new FakeFaceEngine(), pairs: testCsv, images, train });
      assert.equal(trainScored?.length, 6);
      assert.deepEqual(scored.map((p) => p.imageB), ['alice/crowd3.jpg', 'bob/noface3.jpg', 'dave/2.jpg', 'carol/2.jpg', 'carol/1.jpg', 'alice/crowd3.jpg']);
      assert.ok((scored[0].score ?? 0) > 0.9, 'alice vs the crowd photo compares alice, not the decoy');
      assert.equal(scored[1].score, null);
      assert.equal(scored[4].score, null);
      assert.ok((scored[5].score ?? 1) < 0.1);
    });
  });

  test('the same run at concurrency 1 and 4 gives the same numbers', async () => {
    await withTempDir(async (dir) => {
      const { images, train, test: testCsv } = await setUp(dir);
      const strip = (r: Record<string, unknown>): Record<string, unknown> => ({ ...r, ms_per_image: 0, wall_ms: 0 });
      const one = await runPairsBench({ engine: new FakeFaceEngine(), pairs: testCsv, images, train, concurrency: 1 });
      const four = await runPairsBench({ engine: new FakeFaceEngine(), pairs: testCsv, images, train, concurrency: 4 });
      assert.deepEqual(strip({ ...four.result }), strip({ ...one.result }));
    });
  });

  test('k-fold protocol when pairs carry folds', async () => {
    await withTempDir(async (dir) => {
      const images = join(dir, 'images');
      await writeFakeImages(images, IMAGES);
      const csv = `image_a,image_b,same,fold
alice/1.jpg,alice/2.jpg,1,0
alice/1.jpg,bob/1.jpg,0,0
bob/1.jpg,bob/2.jpg,1,1
carol/1.jpg,dave/1.jpg,0,1
dave/1.jpg,dave/2.jpg,1,2
bob/noface3.jpg,carol/2.jpg,0,2
`;
      const run = await runPairsBench({ engine: new FakeFaceEngine(), pairs: parsePairsCsv(csv), images });
      assert.equal(run.result.protocol, 'k-fold');
      assert.equal(run.result.train_accuracy, null);
      // Fold 2 holds the one no-face pair: folds score 1, 1, 1/2.
      assert.equal(run.result.accuracy, 2.5 / 3);
      assert.ok(Math.abs((run.result.accuracy_std ?? 0) - Math.sqrt(1 / 18)) < 1e-12);
      assert.equal(run.result.no_face, 1);
    });
  });

  test('without train pairs or folds it refuses instead of choosing the threshold on the test set', async () => {
    await withTempDir(async (dir) => {
      const { images, test: testCsv } = await setUp(dir);
      await assert.rejects(runPairsBench({ engine: new FakeFaceEngine(), pairs: testCsv, images }), InvalidInputError);
    });
  });

  test('a missing image fails loudly with its path', async () => {
    await withTempDir(async (dir) => {
      const { images, train } = await setUp(dir);
      const pairs = parsePairsCsv('image_a,image_b,same\nalice/1.jpg,zed/1.jpg,0\n');
      await assert.rejects(
        runPairsBench({ engine: new FakeFaceEngine(), pairs, images, train }),
        (e: unknown) => e instanceof MissingFileError && e.path === join(images, 'zed/1.jpg'),
      );
    });
  });

  test('an engine failure names the image', async () => {
    await withTempDir(async (dir) => {
      const { images, train, test: testCsv } = await setUp(dir);
      const engine = new FakeFaceEngine();
      engine.analyze = async () => {
        throw new Error('corrupt JPEG');
      };
      await assert.rejects(
        runPairsBench({ engine, pairs: testCsv, images, train }),
        (e: unknown) => e instanceof ImageFailedError && /corrupt JPEG/.test(e.message) && e.path.startsWith(images),
      );
    });
  });
});
