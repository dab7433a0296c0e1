import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { ImageTooLargeError, InvalidImageFormatError } from '@facerec/core';
import { decodeImage } from './decode.js';

const opts = { maxPixels: 50_000_000, maxSide: 4096 };

/** A 40×20 image: left half red, right half blue. */
async function halves(): Promise<ReturnType<typeof sharp>> {
  const raw = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  return sharp(raw, { raw: { width: 40, height: 20, channels: 3 } });
}

function rgbAt(img: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

test('EXIF orientation 6 is applied: the image comes out rotated 90° and says so', async () => {
  const jpeg = await (await halves()).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const img = await decodeImage(jpeg, opts);
  assert.equal(img.width, 20);
  assert.equal(img.height, 40);
  assert.equal(img.orientationCorrection, 'ROTATE_90');
  // Rotating 90° clockwise puts the red (left) half on top.
  assert.ok(rgbAt(img, 10, 5)[0] > 200 && rgbAt(img, 10, 35)[2] > 200);
});

test('PNG with alpha, greyscale and CMYK JPEG all decode to 3-channel RGB', async () => {
  const rgba = await sharp({ create: { width: 30, height: 30, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } }).png().toBuffer();
  const a = await decodeImage(rgba, opts);
  assert.equal(a.data.length, 30 * 30 * 3);
  assert.equal(a.format, 'png');
  const grey = await sharp({ create: { width: 30, height: 30, channels: 3, background: '#808080' } }).greyscale().jpeg().toBuffer();
  const g = await decodeImage(grey, opts);
  assert.equal(g.data.length, 30 * 30 * 3);
  assert.ok(Math.abs(rgbAt(g, 5, 5)[0] - 128) < 4);
  const cmyk = await sharp({ create: { width: 30, height: 30, channels: 3, background: '#ff0000' } }).toColourspace('cmyk').jpeg().toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  const c = await decodeImage(cmyk, opts);
  const [r, gg, b] = rgbAt(c, 10, 10);
  assert.ok(r > 200 && gg < 60 && b < 60, `CMYK red decoded as ${[r, gg, b]}`);
});

test('big images are shrunk on load to maxSide, keeping the full size on record', async () => {
  const big = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  const img = await decodeImage(big, { ...opts, maxSide: 1000 });
  assert.equal(img.width, 1000);
  assert.equal(img.height, 500);
  assert.equal(img.fullWidth, 3000);
});

test('zero bytes, text, truncated JPEG and PDF are InvalidImageFormat errors', async () => {
  const jpeg = await (await halves()).jpeg().toBuffer();
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array()],
    ['text', Buffer.from('this is not an image, just text pretending to be a .jpg')],
    ['truncated jpeg', jpeg.subarray(0, Math.floor(jpeg.length / 2))],
    ['pdf', Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF')],
  ];
  for (const [name, bytes] of cases) {
    await assert.rejects(decodeImage(bytes, opts), InvalidImageFormatError, name);
  }
});

test('a GIF is refused as a format we do not accept; WebP only when extra formats are on', async () => {
  const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).gif().toBuffer();
  await assert.rejects(decodeImage(gif, opts), /gif is not supported/);
  const webp = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).webp().toBuffer();
  await assert.rejects(decodeImage(webp, opts), InvalidImageFormatError);
  assert.equal((await decodeImage(webp, { ...opts, allowExtraFormats: true })).format, 'webp');
});

/** A PNG whose header claims 60000×60000 pixels (the classic decompression bomb), with a tiny body. */
function pngBomb(): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(60000, 0);
  ihdr.writeUInt32BE(60000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

test('a 60000×60000 PNG bomb is refused as too large before any pixel is decoded', async () => {
  const before = process.memoryUsage().rss;
  await assert.rejects(decodeImage(pngBomb(), opts), ImageTooLargeError);
  // 60000² RGB would be 10.8 GB; the refusal must not have allocated anything like it.
  assert.ok(process.memoryUsage().rss - before < 500 * 1024 * 1024);
});

test('decoder errors carry one line, the first of what libvips reported', async () => {
  const jpeg = await (await halves()).jpeg().toBuffer();
  const heicHeader = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);
  for (const bytes of [jpeg.subarray(0, 2), jpeg.subarray(0, jpeg.length >> 1), heicHeader]) {
    const error = await decodeImage(bytes, opts).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof InvalidImageFormatError, String(error));
    assert.ok(!error.message.includes('\n'), error.message);
    assert.match(error.message, /^Request has invalid image format: \S/);
  }
});
