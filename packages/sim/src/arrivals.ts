import { SimInputError, type Arrival } from './simulate.js';

/** The CLI's default: three 10,000-photo albums, 20 minutes apart. */
export const DEFAULT_ARRIVALS = '0:10000,1200:10000,2400:10000';

/** "SECONDS:IMAGES,…" → albums, e.g. "0:10000,1200:10000". */
export function parseArrivals(text: string): Arrival[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new SimInputError('--arrivals needs at least one SECONDS:IMAGES pair');
  return parts.map((part, i) => {
    const m = /^(\d+(?:\.\d+)?):(\d+)$/.exec(part);
    if (!m) throw new SimInputError(`--arrivals: "${part}" is not SECONDS:IMAGES`);
    const images = Number(m[2]);
    if (images <= 0) throw new SimInputError(`--arrivals: "${part}" has no images`);
    return { atSeconds: Number(m[1]), images, label: `album ${i + 1}` };
  });
}
