/**
 * Bytes for the bad-input corpus: made at test time with sharp from one known face of the shared
 * dev photos (never copied into the repository), by hand (broken headers, bombs), or read from the
 * small checked-in files beside this module.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { sharedFace } from '@facerec/face/testing';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The known face every "processed" case is made from: one person, upright, ~40 % of the frame. */
export const FACE_FILE = 'dev/barack_obama/1.jpg';
/** Small enough to keep the corpus fast, large enough (≥ 80 px) for every API. */
const FACE_WIDTH = 360;

export function fixture(name: string): Promise<Buffer> {
  return readFile(path.join(FIXTURES, name));
}

/** The upright face photo as a JPEG (no EXIF orientation), 360 px wide. */
export async function uprightFace(): Promise<Buffer> {
  return sharp(await sharedFace(FACE_FILE)).resize({ width: FACE_WIDTH }).jpeg({ quality: 90 }).toBuffer();
}

export async function cmykJpeg(): Promise<Buffer> {
  return sharp(await uprightFace()).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();
}

export async function png16(): Promise<Buffer> {
  return sharp(await uprightFace()).toColourspace('rgb16').png().toBuffer();
}

/** RGBA with a half-transparent alpha channel over the whole image. */
export async function pngAlpha(): Promise<Buffer> {
  return sharp(await uprightFace()).ensureAlpha(0.6).png().toBuffer();
}

export async function greyJpeg(): Promise<Buffer> {
  return sharp(await uprightFace()).greyscale().jpeg({ quality: 90 }).toBuffer();
}

export async function greyPng(): Promise<Buffer> {
  return sharp(await uprightFace()).greyscale().png().toBuffer();
}

/** Three frames of the face as one animation (raw pages stacked vertically, `pageHeight` each). */
async function animation(format: 'gif' | 'webp'): Promise<Buffer> {
  const frame = await sharp(await uprightFace()).resize({ width: 120 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = frame.info;
  const pages = Buffer.concat([frame.data, frame.data, frame.data]);
  const pipeline = sharp(pages, { raw: { width, height: height * 3, channels: 4, pageHeight: height } });
  const options = { loop: 0, delay: [100, 100, 100] };
  return format === 'gif' ? pipeline.gif(options).toBuffer() : pipeline.webp(options).toBuffer();
}

export const animatedGif = (): Promise<Buffer> => animation('gif');
export const animatedWebp = (): Promise<Buffer> => animation('webp');

export async function stillWebp(): Promise<Buffer> {
  return sharp(await uprightFace()).webp().toBuffer();
}

export async function tiff(): Promise<Buffer> {
  return sharp(await uprightFace()).tiff().toBuffer();
}

/** A flat grey picture of the given size: no face. */
export function blank(width: number, height: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: '#7a7a7a' } });
  return (format === 'jpeg' ? image.jpeg() : image.png()).toBuffer();
}

/**
 * EXIF orientation `o`: stored pixels that, turned the way the tag says, show the upright face.
 * The tag means "to display, apply": 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90°
 * clockwise, 7 transverse, 8 rotate 270°; the stored image is the inverse of that turn.
 */
export async function exifOriented(orientation: number): Promise<Buffer> {
  const upright = await uprightFace();
  const stored = await inverseTurn(upright, orientation);
  return sharp(stored).withMetadata({ orientation }).jpeg({ quality: 90 }).toBuffer();
}

async function inverseTurn(image: Buffer, orientation: number): Promise<Buffer> {
  const step = (input: Buffer, f: (s: Sharp) => Sharp) => f(sharp(input)).png().toBuffer();
  switch (orientation) {
    case 1: return image;
    case 2: return step(image, (s) => s.flop());
    case 3: return step(image, (s) => s.rotate(180));
    case 4: return step(image, (s) => s.flip());
    // transpose and transverse are their own inverses
    case 5: return step(await step(image, (s) => s.rotate(90)), (s) => s.flop());
    case 6: return step(image, (s) => s.rotate(270));
    case 7: return step(await step(image, (s) => s.rotate(270)), (s) => s.flop());
    case 8: return step(image, (s) => s.rotate(90));
    default: throw new Error(`orientation ${orientation}`);
  }
}

/** The face photo cut after `fraction` of its bytes. */
export async function truncated(format: 'jpeg' | 'png', fraction: number): Promise<Buffer> {
  const whole = format === 'jpeg' ? await uprightFace() : await sharp(await uprightFace()).png().toBuffer();
  return whole.subarray(0, Math.floor(whole.length * fraction));
}

/**
 * A JPEG whose first Huffman table (DHT, FF C4) claims codes it cannot hold: every one of the 16
 * code-length counts set to 255, so the table over-subscribes the code space.
 */
export async function corruptHuffman(): Promise<Buffer> {
  const jpeg = Buffer.from(await uprightFace());
  const dht = jpeg.indexOf(Buffer.from([0xff, 0xc4]));
  if (dht < 0) throw new Error('no DHT segment');
  // FF C4, length (2), class/id (1), then 16 counts
  jpeg.fill(0xff, dht + 5, dht + 5 + 16);
  return jpeg;
}

/** A PNG whose first IDAT chunk has a wrong CRC. */
export async function pngBadCrc(): Promise<Buffer> {
  const png = Buffer.from(await sharp(await uprightFace()).png().toBuffer());
  const idat = png.indexOf(Buffer.from('IDAT', 'latin1'));
  const length = png.readUInt32BE(idat - 4);
  const crcAt = idat + 4 + length;
  png.writeUInt32BE((png.readUInt32BE(crcAt) ^ 0xffffffff) >>> 0, crcAt);
  return png;
}

/** The face JPEG followed by zero padding up to `size` bytes: a valid image over Rekognition's 5 MB. */
export async function paddedTo(size: number): Promise<Buffer> {
  const face = await uprightFace();
  const out = Buffer.alloc(size);
  face.copy(out);
  return out;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A decompression bomb: a PNG header claiming `side`×`side` RGB pixels and a real compressed IDAT
 * (the first rows of zeros; inflated in full it would be side² × 3 bytes, 10.8 GB at 60000).
 */
export function pngBomb(side = 60000, rows = 8): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = deflateSync(Buffer.alloc(rows * (1 + side * 3)), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** The first bytes of a HEIC file: an ISO-BMFF `ftyp` box with the `heic` brand, then nothing. */
export function heicHeader(): Buffer {
  const brands = Buffer.from('heicmif1heic', 'latin1');
  const box = Buffer.alloc(8 + 4 + 4 + brands.length - 4);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write('heic', 8, 'latin1');
  box.writeUInt32BE(0, 12);
  brands.subarray(4).copy(box, 16);
  return box;
}

/** JPEG start-of-image and a JFIF APP0 segment, and nothing else. */
export function jpegHeaderOnly(): Buffer {
  return Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
}

/** Deterministic noise (no magic number of any format). */
export function noise(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 0x2545f491;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
