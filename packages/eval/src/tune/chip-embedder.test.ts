import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_MEAN_RGB } from '../../../models/src/faceapi/faceRecognition.js';
import { parseInputRange, rescale } from './chip-embedder.js';

test('dlib256 makes face-api\'s (x − mean) / 255 equal dlib\'s (x − mean) / 256', () => {
  const pixel = [200, 17, 104.298];
  const out = rescale(Float32Array.from(pixel), parseInputRange('dlib256'));
  out.forEach((v, c) => assert.ok(Math.abs((v - FACE_MEAN_RGB[c]) / 255 - (pixel[c] - FACE_MEAN_RGB[c]) / 256) < 1e-6));
  assert.deepEqual([...rescale(Float32Array.from(pixel), '0..255')], [...Float32Array.from(pixel)]);
  assert.throws(() => parseInputRange('0..256'), /input range must be/);
});
