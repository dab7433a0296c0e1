import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { shrinkRegion } from './resize.js';
import type { RgbImage } from './rgb.js';

function smoothImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.round(127 + 100 * Math.sin(x / 29 + c) * Math.cos(y / 37));
    }
  }
  return { data, width, height };
}

/** The exact area average of one output pixel, by brute force over the source pixels it covers. */
function areaMean(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: number): number {
  let sum = 0;
  let area = 0;
  for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
    for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      const a = (Math.min(x1, x + 1) - Math.max(x0, x)) * (Math.min(y1, y + 1) - Math.max(y0, y));
      sum += img.data[(y * img.width + x) * 3 + c] * a;
      area += a;
    }
  }
  return sum / area;
}

describe('shrinkRegion', () => {
  test('a factor under 2 is the exact area average of each output pixel (rounded)', () => {
    const img = smoothImage(90, 70);
    const region = { x: 5, y: 3, width: 80, height: 60 };
    const out = shrinkRegion(img, region, 50, 40);
    const fx = 80 / 50;
    const fy = 60 / 40;
    for (let y = 0; y < 40; y += 3) {
      for (let x = 0; x < 50; x += 3) {
        for (let c = 0; c < 3; c++) {
          const want = areaMean(img, 5 + x * fx, 3 + y * fy, 5 + (x + 1) * fx, 3 + (y + 1) * fy, c);
          assert.ok(Math.abs(out[(y * 50 + x) * 3 + c] - want) <= 0.5 + 1e-4, `(${x},${y},${c}): ${out[(y * 50 + x) * 3 + c]} vs ${want}`);
        }
      }
    }
  });

  test('a constant image stays constant, whatever the factor', () => {
    const img = { data: new Uint8Array(640 * 480 * 3).fill(93), width: 640, height: 480 };
    for (const [w, h] of [[128, 96], [85, 64], [300, 225]]) assert.ok(shrinkRegion(img, { x: 0, y: 0, width: 640, height: 480 }, w, h).every((v) => v === 93));
  });

  test('a 640 px photo to 128 px (through the half-resolution copies) stays within a grey level or two of libvips', async () => {
    const img = smoothImage(640, 480);
    const ours = shrinkRegion(img, { x: 0, y: 0, width: 640, height: 480 }, 128, 96);
    const theirs = await sharp(img.data, { raw: { width: 640, height: 480, channels: 3 } }).resize(128, 96, { fit: 'fill' }).raw().toBuffer();
    let sum = 0;
    for (let i = 0; i < ours.length; i++) sum += Math.abs(ours[i] - theirs[i]);
    assert.ok(sum / ours.length < 1.5, `mean difference ${sum / ours.length}`);
  });

  test('refuses to enlarge', () => {
    assert.throws(() => shrinkRegion(smoothImage(10, 10), { x: 0, y: 0, width: 10, height: 10 }, 20, 20), RangeError);
  });
});
