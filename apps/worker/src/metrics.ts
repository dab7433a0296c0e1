/**
 * The worker's Prometheus metrics: photos done by outcome, photos in work, and the queue gauges
 * the autoscaler reads (shared with the gateway's /metrics).
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { QueueStats } from '@facerec/storage';
import { registerQueueGauges } from '@facerec/gateway';

export type PhotoOutcome = 'indexed' | 'already-indexed' | 'failed' | 'dropped' | 'error';

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly photos: Counter<'outcome'>;
  private readonly faces: Counter;

  constructor(inFlight: () => number, queue: () => Promise<QueueStats>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'facerec_worker_' });
    this.photos = new Counter({
      name: 'facerec_worker_photos_total',
      help: 'Album photos handled, by outcome (indexed, already-indexed, failed: recorded as failed, dropped: album gone, error: will be retried)',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
    });
    this.faces = new Counter({ name: 'facerec_worker_faces_indexed_total', help: 'Faces indexed from album photos', registers: [this.registry] });
    new Gauge({
      name: 'facerec_worker_in_flight_photos',
      help: 'Photos this worker is analysing now',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
    registerQueueGauges(this.registry, queue);
  }

  record(outcome: PhotoOutcome, faces = 0): void {
    this.photos.inc({ outcome });
    if (faces > 0) this.faces.inc(faces);
  }

  /** Current count for one outcome (tests and logs). */
  async count(outcome: PhotoOutcome): Promise<number> {
    const metric = await this.photos.get();
    return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  }
}
