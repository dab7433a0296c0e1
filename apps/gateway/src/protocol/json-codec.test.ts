import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameterError } from '@facerec/core';
import { decodeBase64, decodeImageBlobs, encodeResponse } from './json-codec.js';

test('image blobs decode from base64, other members stay as sent', () => {
  const input = decodeImageBlobs({ Image: { Bytes: Buffer.from([1, 2, 3]).toString('base64') }, CollectionId: 'c', SourceImage: { S3Object: { Bucket: 'b' } } });
  assert.deepEqual(Array.from((input.Image as { Bytes: Uint8Array }).Bytes), [1, 2, 3]);
  assert.equal(input.CollectionId, 'c');
  assert.deepEqual(input.SourceImage, { S3Object: { Bucket: 'b' } });
});

test('non-strict base64 and non-strings are refused', () => {
  assert.throws(() => decodeBase64('abc', 'Image.Bytes'), InvalidParameterError);
  assert.throws(() => decodeBase64('ab!d', 'Image.Bytes'), InvalidParameterError);
  assert.throws(() => decodeBase64(12, 'Image.Bytes'), /must be a base64-encoded string/);
  assert.equal(decodeBase64('', 'Image.Bytes').length, 0);
  for (const bad of ['QUJD=', '=QUJ', 'QU=D', 'QUJD====', '_-_-', 'QUJD\n', 'data:image/jpeg;base64,QUJD', 'QR==', 'QUJ=', ' QUJ', 'QU JD']) {
    assert.throws(() => decodeBase64(bad, 'Image.Bytes'), InvalidParameterError, bad);
  }
  for (const [text, length] of [['QQ==', 1], ['QUI=', 2], ['QUJD', 3], ['+/+/', 3]] as const) assert.equal(decodeBase64(text, 'Image.Bytes').length, length, text);
});

test('an image of several megabytes decodes (a regexp over it overflowed the stack)', () => {
  const bytes = Buffer.alloc(6_000_000, 0xa5);
  const decoded = decodeBase64(bytes.toString('base64'), 'Image.Bytes');
  assert.equal(decoded.length, bytes.length);
  assert.deepEqual(Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).subarray(0, 4), bytes.subarray(0, 4));
});

test('responses encode Dates as epoch seconds and bytes as base64', () => {
  const text = encodeResponse({ CreationTimestamp: new Date(1700000000250), Nested: [{ At: new Date(0) }], Blob: new Uint8Array([255]) });
  assert.deepEqual(JSON.parse(text), { CreationTimestamp: 1700000000.25, Nested: [{ At: 0 }], Blob: '/w==' });
  assert.equal(encodeResponse(undefined), '{}');
});
