import sharp from 'sharp';
import type { RgbImage } from './rgb.js';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How a detector's 0..1 coordinates map back to pixels of the decoded image. */
export interface Placement {
  size: number;
  /** Pixels of the canvas per pixel of the image. */
  scale: number;
  offsetX: number;
  offsetY: number;
  region: Region;
}

export function toImageX(p: Placement, u: number): number {
  return (u * p.size - p.offsetX) / p.scale + p.region.x;
}

export function toImageY(p: Placement, v: number): number {
  return (v * p.size - p.offsetY) / p.scale + p.region.y;
}

/** How a model wants pixel values: `value = pixel × scale + offset` (0..255 in, e.g. -1..1 out). */
export interface InputRange {
  scale: number;
  offset: number;
}

export const RAW_PIXELS: InputRange = { scale: 1, offset: 0 };

/**
 * Resizes `region` of the image (area-filtered by libvips, from the already decoded pixels) into
 * a `size`×`size` float32 NHWC canvas, values mapped by `range`, black around it. With `zoomOut` > 1
 * the image occupies only 1/zoomOut of the canvas, centred: a face that fills the frame becomes a
 * face in a scene, which detectors trained on crowds find far more reliably.
 */
export async function letterbox(img: RgbImage, region: Region, size: number, zoomOut = 1, range: InputRange = RAW_PIXELS): Promise<{ tensor: Float32Array; placement: Placement }> {
  const scale = size / zoomOut / Math.max(region.width, region.height);
  const w = Math.max(1, Math.round(region.width * scale));
  const h = Math.max(1, Math.round(region.height * scale));
  const offsetX = Math.floor((size - w) / 2);
  const offsetY = Math.floor((size - h) / 2);
  const whole = region.x === 0 && region.y === 0 && region.width === img.width && region.height === img.height;
  // An image already at the canvas size (see shrinkTo) is copied as it is, without a libvips round trip.
  const resized = whole && w === img.width && h === img.height
    ? img.data
    : await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
      .resize(w, h, { fit: 'fill' })
      .raw()
      .toBuffer();
  const tensor = new Float32Array(size * size * 3);
  const black = range.offset;
  if (black !== 0) tensor.fill(black);
  const row = w * 3;
  for (let y = 0; y < h; y++) {
    const src = resized.subarray(y * row, (y + 1) * row);
    const dst = ((y + offsetY) * size + offsetX) * 3;
    if (range.scale === 1 && black === 0) {
      tensor.set(src, dst);
    } else {
      for (let i = 0; i < row; i++) tensor[dst + i] = src[i] * range.scale + black;
    }
  }
  return { tensor, placement: { size, scale: w / region.width, offsetX, offsetY, region } };
}

/** Overlapping tiles covering the image in a `grid`×`grid` layout, each `overlap` larger than 1/grid. */
export function tiles(width: number, height: number, grid: number, overlap = 0.25): Region[] {
  const tw = Math.min(width, Math.ceil((width / grid) * (1 + overlap)));
  const th = Math.min(height, Math.ceil((height / grid) * (1 + overlap)));
  return layout(width, height, tw, th, grid, grid);
}

/**
 * Tiles no longer than `maxSide` on either side that cover the image, neighbours overlapping by at
 * least `minOverlap` pixels (so a face up to that size lies wholly inside some tile). Fewest tiles
 * that satisfy both, evenly spread.
 */
export function tilesOfSize(width: number, height: number, maxSide: number, minOverlap: number): Region[] {
  const side = Math.max(1, Math.floor(maxSide));
  const overlap = Math.min(Math.max(0, minOverlap), side / 2);
  const count = (length: number): number => (length <= side ? 1 : Math.ceil((length - overlap) / (side - overlap)));
  const cols = count(width);
  const rows = count(height);
  return layout(width, height, Math.min(width, side), Math.min(height, side), cols, rows);
}

function layout(width: number, height: number, tw: number, th: number, cols: number, rows: number): Region[] {
  const out: Region[] = [];
  for (let gy = 0; gy < rows; gy++) {
    for (let gx = 0; gx < cols; gx++) {
      const x = cols === 1 ? 0 : Math.round(((width - tw) * gx) / (cols - 1));
      const y = rows === 1 ? 0 : Math.round(((height - th) * gy) / (rows - 1));
      out.push({ x, y, width: tw, height: th });
    }
  }
  return out;
}

/**
 * A copy of the image at most `maxSide` pixels long (resized as `letterbox` would), and its scale
 * to the original: several passes then share one resize of a big photo instead of one each.
 */
export interface ScaledImage {
  image: RgbImage;
  /** Pixels of `image` per pixel of the original. */
  scale: number;
}

export async function shrinkTo(img: RgbImage, maxSide: number): Promise<ScaledImage> {
  const scale = maxSide / Math.max(img.width, img.height);
  if (scale >= 1) return { image: img, scale: 1 };
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
  return { image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height }, scale: width / img.width };
}
