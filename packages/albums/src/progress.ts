import type { AlbumProgress as StoredProgress } from '@facerec/db';

/** Album progress as the API and the dashboard show it. */
export interface AlbumProgress {
  total: number;
  queued: number;
  processing: number;
  indexed: number;
  failed: number;
  faces: number;
  imagesPerSecond: number | null;
  etaSeconds: number | null;
  done: boolean;
}

/** Rate since the first photo was picked up; ETA = what remains at that rate. */
export function toProgress(p: StoredProgress, now: Date = new Date()): AlbumProgress {
  const { queued, processing, indexed, failed } = p.images;
  const finished = indexed + failed;
  const remaining = queued + processing;
  const end = remaining === 0 && p.lastFinishedAt ? p.lastFinishedAt : now;
  const seconds = p.firstStartedAt ? (end.getTime() - p.firstStartedAt.getTime()) / 1000 : 0;
  const rate = finished > 0 && seconds > 0 ? finished / seconds : null;
  return {
    total: p.total,
    queued,
    processing,
    indexed,
    failed,
    faces: p.faces,
    imagesPerSecond: rate === null ? null : Math.round(rate * 100) / 100,
    etaSeconds: rate === null ? null : remaining === 0 ? 0 : Math.ceil(remaining / rate),
    done: p.total > 0 && remaining === 0,
  };
}
