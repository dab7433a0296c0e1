import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { readStoredZip } from '../../test/albums-client.js';
import { StoredZipWriter, zipEntryNames } from './zip.js';

test('a stored ZIP round-trips its entries with CRCs and UTF-8 names', async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const zip = new StoredZipWriter(out);
  await zip.add('a.jpg', new Uint8Array([1, 2, 3]));
  await zip.add('früh (2).jpg', new Uint8Array(100_000).fill(9));
  await zip.add('empty.txt', new Uint8Array(0));
  await zip.finish();
  out.end();
  const entries = readStoredZip(Buffer.concat(chunks));
  assert.deepEqual(entries.map((e) => [e.name, e.bytes.length]), [['a.jpg', 3], ['früh (2).jpg', 100_000], ['empty.txt', 0]]);
});

test('entry names: no directories, duplicates numbered, unnamed photos by id', () => {
  assert.deepEqual(
    zipEntryNames([
      { imageId: 'i1', name: '../x/IMG.jpg' },
      { imageId: 'i2', name: 'img.jpg' },
      { imageId: 'i3', name: null },
      { imageId: 'i4', name: 'img.jpg' },
    ]),
    ['IMG.jpg', 'img (2).jpg', 'i3.jpg', 'img (3).jpg'],
  );
});
