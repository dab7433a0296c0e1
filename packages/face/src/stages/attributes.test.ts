import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedFace, startTestEngine } from '../testing.js';
import type { PooledFaceEngine } from '../engine.js';
import { attributeCrop } from './attributes.js';

let engine: PooledFaceEngine;
before(async () => {
  engine = await startTestEngine();
});
after(async () => {
  await engine?.close();
});

test('attributes: gender, an age range, emotions summing to 100 and a smile, only when asked for', async () => {
  const obama = await engine.analyze(await sharedFace('dev/barack_obama/1.jpg'), { mode: 'selfie', embed: false, attributes: true });
  const jolie = await engine.analyze(await sharedFace('dev/angelina_jolie/1.jpg'), { mode: 'selfie', embed: false, attributes: true });
  const a = obama.faces[0].attributes!;
  assert.equal(a.Gender?.Value, 'Male');
  assert.equal(jolie.faces[0].attributes?.Gender?.Value, 'Female');
  assert.ok(a.AgeRange!.Low >= 18 && a.AgeRange!.High <= 80 && a.AgeRange!.Low < a.AgeRange!.High, JSON.stringify(a.AgeRange));
  const total = a.Emotions!.reduce((s, e) => s + e.Confidence, 0);
  assert.ok(Math.abs(total - 100) < 0.5, `emotions sum to ${total}`);
  assert.ok(a.Emotions!.every((e, i, all) => i === 0 || all[i - 1].Confidence >= e.Confidence), 'most likely first');
  assert.equal(typeof a.Smile?.Value, 'boolean');
  const plain = await engine.analyze(await sharedFace('dev/barack_obama/1.jpg'), { mode: 'selfie', embed: false, attributes: false });
  assert.equal(plain.faces[0].attributes, undefined);
});

test('the attribute crop is centred between eyes and mouth and scales with the face', () => {
  const face: [number, number][] = [[40, 50], [60, 50], [50, 60], [42, 70], [58, 70]];
  const c = attributeCrop(face);
  assert.ok(Math.abs(c.x0 + c.side / 2 - 50) < 1e-9 && Math.abs(c.y0 + c.side / 2 - 60) < 1e-9);
  const big = attributeCrop(face.map(([x, y]) => [x * 2, y * 2]));
  assert.ok(Math.abs(big.side - 2 * c.side) < 1e-9);
});
