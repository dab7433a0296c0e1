/** Plain-text tables for `facerec sim autoscale`. */
import type { MonthlyCost } from './cost.js';
import { PRICES, PRICES_AS_OF } from './prices.js';
import type { SimResult } from './simulate.js';

export function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(rest).padStart(2, '0')}`;
}

const usd = (v: number) => `$${v.toFixed(2)}`;

/** One row per `everySeconds`, plus a row at every scaling event. */
export function formatTimeline(r: SimResult, everySeconds: number): string {
  const eventAt = new Map(r.events.map((e) => [e.t, e]));
  const rows = r.samples.filter((s) => s.t % everySeconds === 0 || eventAt.has(s.t));
  const lines = rows.map((s) => {
    const e = eventAt.get(s.t);
    const note = e ? `  ${e.change > 0 ? 'scale out' : 'scale in'} ${e.change > 0 ? '+' : ''}${e.change} (metric ${e.metric})` : '';
    return `${clock(s.t).padStart(8)}  ${String(s.visible).padStart(7)}  ${String(s.running).padStart(7)}  ${String(s.inService).padStart(10)}${note}`;
  });
  return ['    time  visible  running  in service', ...lines].join('\n');
}

export function formatAlbums(r: SimResult): string {
  const lines = r.albums.map((a) => {
    const took = a.finishedAt === undefined ? 'not finished' : `${clock(a.finishedAt - a.arrivedAt)} (done at ${clock(a.finishedAt)})`;
    return `  ${a.label.padEnd(10)} ${String(a.images).padStart(7)} photos at ${clock(a.arrivedAt)}: ${took}`;
  });
  return ['time to finish each album (first in, first out):', ...lines].join('\n');
}

export function formatFleet(r: SimResult): string {
  const od = r.onDemandSeconds / 3600;
  const spot = r.spotSeconds / 3600;
  const cost = od * PRICES.workerOnDemandHour + spot * PRICES.workerSpotHour;
  return [
    `fleet over ${clock(r.durationSeconds)}: ${od.toFixed(2)} on-demand h + ${spot.toFixed(2)} spot h = ${usd(cost)} (all on-demand: ${usd((od + spot) * PRICES.workerOnDemandHour)})`,
    `peak visible ${r.peakVisible}, backlog at end ${Math.ceil(r.backlogAtEnd)}, ${r.instances.filter((i) => i.launchedAt >= 0).length} launches`,
  ].join('\n');
}

export function formatMonthlyCost(c: MonthlyCost): string {
  const row = (item: string, v: number, basis: string) => `  ${item.padEnd(48)} ${usd(v).padStart(10)}  ${basis}`;
  const albumTimes = c.sim.albums.map((a) => (a.finishedAt === undefined ? Number.POSITIVE_INFINITY : a.finishedAt - a.arrivedAt));
  return [
    `month's cost — ${c.profile.name}: ${c.photos} photos (${PRICES_AS_OF}; LIST PRICES TO VERIFY)`,
    ...c.lines.map((l) => row(l.item, l.usd, l.basis)),
    row('TOTAL self-hosted on AWS', c.total, `${usd(c.per1000Photos)} per 1,000 photos (marginal ${usd(c.marginalPer1000Photos)})`),
    `  worst album took ${clock(Math.max(...albumTimes, 0))}`,
    'Rekognition for the same traffic:',
    ...c.rekognition.map((l) => row(l.item, l.usd, l.basis)),
    row('TOTAL Rekognition', c.rekognitionTotal, `${usd(c.rekognitionTotal / Math.max(c.photos / 1000, 1e-9))} per 1,000 photos`),
  ].join('\n');
}
