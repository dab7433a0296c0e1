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

/**
 * Resizes `region` of the image (area-filtered by libvips, from the already decoded pixels) into
 * a `size`×`size` float32 NHWC canvas, values 0..255, black around it. With `zoomOut` > 1 the image
 * occupies only 1/zoomOut of the canvas, centred: a face that fills the frame becomes a face in a
 * scene, which detectors trained on crowds find far more reliably.
 */
export async function letterbox(img: RgbImage, region: Region, size: number, zoomOut = 1): Promise<{ tensor: Float32Array; placement: Placement }> {
  const scale = size / zoomOut / Math.max(region.width, region.height);
  const w = Math.max(1, Math.round(region.width * scale));
  const h = Math.max(1, Math.round(region.height * scale));
  const offsetX = Math.floor((size - w) / 2);
  const offsetY = Math.floor((size - h) / 2);
  const resized = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
    .resize(w, h, { fit: 'fill' })
    .raw()
    .toBuffer();
  const tensor = new Float32Array(size * size * 3);
  for (let y = 0; y < h; y++) {
    const src = y * w * 3;
    const dst = ((y + offsetY) * size + offsetX) * 3;
    for (let i = 0; i < w * 3; i++) tensor[dst + i] = resized[src + i];
  }
  return { tensor, placement: { size, scale: w / region.width, offsetX, offsetY, region } };
}

/** Overlapping tiles covering the image, each about `fraction` of its width and height. */
export function tiles(width: number, height: number, grid: number, overlap = 0.25): Region[] {
  const tw = Math.min(width, Math.ceil((width / grid) * (1 + overlap)));
  const th = Math.min(height, Math.ceil((height / grid) * (1 + overlap)));
  const out: Region[] = [];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const x = grid === 1 ? 0 : Math.round(((width - tw) * gx) / (grid - 1));
      const y = grid === 1 ? 0 : Math.round(((height - th) * gy) / (grid - 1));
      out.push({ x, y, width: tw, height: th });
    }
  }
  return out;
}
