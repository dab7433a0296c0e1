import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvFormatError, MissingFileError } from './errors.js';
import { FakeFaceEngine } from './fake-engine.js';
import { parseGroupsCsv, runGroupsBench } from './groups.js';
import { sharedFacesDir, withTempDir, writeFiles } from './test-fixtures.js';

describe('parseGroupsCsv', () => {
  test('only the first three commas split: remarks may contain commas', () => {
    const specs = parseGroupsCsv('file,min_faces,max_faces,people_known\na.jpg,2,3,x;y (left, half hidden); z\nb.jpg,0,0,\nc.jpg,1,1\n');
    assert.deepEqual(specs, [
      { file: 'a.jpg', minFaces: 2, maxFaces: 3, people: ['x', 'y', 'z'], notes: ['left, half hidden'] },
      { file: 'b.jpg', minFaces: 0, maxFaces: 0, people: [], notes: [] },
      { file: 'c.jpg', minFaces: 1, maxFaces: 1, people: [], notes: [] },
    ]);
  });

  test('rejects a wrong header, bad counts, an inverted range and duplicates, naming the line', () => {
    const bad = (text: string, pattern: RegExp): void => {
      assert.throws(() => parseGroupsCsv(text, 'f.csv'), (e: unknown) => e instanceof CsvFormatError && pattern.test(e.message));
    };
    const header = 'file,min_faces,max_faces,people_known\n';
    bad('file,min,max,people\na.jpg,1,1,\n', /^f\.csv:1: header must be/);
    bad(`${header}a.jpg,x,1,\n`, /^f\.csv:2: min_faces must be a non-negative integer/);
    bad(`${header}a.jpg,3,2,\n`, /^f\.csv:2: max_faces 2 is below min_faces 3/);
    bad(`${header}a.jpg,1\n`, /^f\.csv:2: expected at least 3 fields/);
    bad(`${header}a.jpg,1,1,\na.jpg,2,2,\n`, /a\.jpg is listed twice/);
    bad(header, /no photos/);
  });

  test('reads the shared dev groups list', () => {
    const text = readFileSync(join(sharedFacesDir(), 'dev/_groups/faces.csv'), 'utf8');
    const specs = parseGroupsCsv(text);
    assert.equal(specs.length, 10);
    const bbt1 = specs.find((s) => s.file === 'bbt1.jpg');
    assert.deepEqual(bbt1?.people, ['bbt_raj', 'bbt_leonard', 'bbt_howard', 'bbt_sheldon']);
    assert.deepEqual(bbt1?.notes, ['in costume: beards and wigs']);
    const obama = specs.find((s) => s.file === 'obama_and_biden.jpg');
    assert.equal(obama?.minFaces, 2);
    assert.equal(obama?.maxFaces, 4);
    assert.deepEqual(obama?.people, ['barack_obama']);
  });
});

const FACES_CSV = `file,min_faces,max_faces,people_known
g1.jpg,3,3,alice;bob (bob at the back, blurred)
g2.jpg,4,5,carol
g3.jpg,2,2,
g4.jpg,2,4,dave (a half face)
`;

async function setUp(root: string, withNonfaces: boolean): Promise<string> {
  await writeFiles(root, {
    '_groups/faces.csv': FACES_CSV,
    '_groups/g1.jpg': 'faces=3',
    '_groups/g2.jpg': 'faces=2',
    '_groups/g3.jpg': 'faces=4',
    '_groups/g4.jpg': 'faces=3',
  });
  if (withNonfaces) {
    await writeFiles(root, {
      '_nonfaces/brick.jpg': 'faces=0',
      '_nonfaces/coffee.jpg': 'faces=1',
      '_nonfaces/rocket.png': 'faces=0',
      '_nonfaces/readme.txt': 'not an image',
    });
  }
  return join(root, '_groups');
}

describe('runGroupsBench', () => {
  test('recall, over-detections and false detections on non-faces', async () => {
    await withTempDir(async (root) => {
      const dir = await setUp(root, true);
      const engine = new FakeFaceEngine();
      const progress: number[] = [];
      const r = await runGroupsBench({ engine, dir, concurrency: 2, onProgress: (d, t) => progress.push(d / t) });
      assert.equal(r.photos, 4);
      assert.deepEqual(r.rows.map((row) => [row.file, row.found, row.status]), [
        ['g1.jpg', 3, 'ok'],
        ['g2.jpg', 2, 'missed'],
        ['g3.jpg', 4, 'over'],
        ['g4.jpg', 3, 'ok'],
      ]);
      assert.equal(r.photos_in_range, 2);
      assert.equal(r.expected_faces, 11);
      assert.equal(r.found_faces, 12);
      // min(3,3) + min(2,4) + min(4,2) + min(3,2) = 9 of 11.
      assert.equal(r.recall, 9 / 11);
      assert.equal(r.over_detections, 2);
      assert.equal(r.nonfaces, 3);
      assert.equal(r.false_detections, 1);
      assert.deepEqual(r.nonface_rows.map((n) => [n.file, n.found]), [['brick.jpg', 0], ['coffee.jpg', 1], ['rocket.png', 0]]);
      assert.deepEqual(r.rows[0].people_known, ['alice', 'bob']);
      assert.deepEqual(r.rows[0].notes, ['bob at the back, blurred']);
      assert.deepEqual(r.rows[0].confidences, [90, 89, 88]);
      assert.ok(engine.calls.every((c) => c.options.mode === 'album'));
      assert.equal(engine.calls.length, 7);
      assert.equal(progress.length, 7);
      assert.equal(progress.at(-1), 1);
    });
  });

  test('without a _nonfaces folder next to the groups, the non-face part is reported as not run', async () => {
    await withTempDir(async (root) => {
      const dir = await setUp(root, false);
      const r = await runGroupsBench({ engine: new FakeFaceEngine(), dir });
      assert.equal(r.nonfaces, null);
      assert.equal(r.false_detections, null);
      assert.equal(r.recall, 9 / 11);
    });
  });

  test('a non-face folder named explicitly must exist', async () => {
    await withTempDir(async (root) => {
      const dir = await setUp(root, false);
      await assert.rejects(runGroupsBench({ engine: new FakeFaceEngine(), dir, nonfacesDir: join(root, 'nope') }), MissingFileError);
    });
  });

  test('a listed photo that is missing, or a missing faces.csv, fails loudly', async () => {
    await withTempDir(async (root) => {
      const dir = await setUp(root, false);
      await writeFiles(root, { '_groups/faces.csv': `${FACES_CSV}g5.jpg,1,1,\n` });
      await assert.rejects(runGroupsBench({ engine: new FakeFaceEngine(), dir }), (e: unknown) => e instanceof MissingFileError && e.path.endsWith('g5.jpg'));
      await assert.rejects(runGroupsBench({ engine: new FakeFaceEngine(), dir: join(root, 'empty') }), (e: unknown) => e instanceof MissingFileError && e.path.endsWith('faces.csv'));
    });
  });
});
