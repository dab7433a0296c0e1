/**
 * The express application: request context and access log, health/metrics, REST /api/v1, the AWS
 * JSON protocol at POST /. Everything it talks to is passed in, so tests run it on fakes.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { FaceApi } from '@facerec/service';
import { SigV4Verifier } from './auth/sigv4.js';
import type { KeyStore } from './auth/key-store.js';
import { GatewayError, toWireError } from './errors.js';
import { healthRouter, type ReadinessCheck } from './observability/health.js';
import type { Logger } from './observability/logger.js';
import { GatewayMetrics, type CacheStats, type EngineStats } from './observability/metrics.js';
import { contextOf, requestContext } from './observability/request-context.js';
import { awsJsonRouter } from './protocol/aws-json.js';
import { REST_BASE, restErrorHandler, restRouter } from './rest/router.js';
import { albumHttp, type AlbumHttpOptions } from './albums/router.js';
import type { QueueStats } from '@facerec/storage';
import type { WebHandler } from '@facerec/web';

export const SIGNING_SERVICE = 'rekognition';

export interface AppDeps {
  api: FaceApi;
  keys: KeyStore;
  logger: Logger;
  checks?: readonly ReadinessCheck[];
  engineStats?: () => EngineStats | undefined;
  jsonBodyLimitBytes: number;
  uploadFileLimitBytes: number;
  sigv4: { regions: readonly string[]; clockSkewSeconds: number; now?: () => Date };
  trustProxy?: boolean;
  /** The albums API (omitted: no album routes, e.g. protocol tests). */
  albums?: Omit<AlbumHttpOptions, 'keys'>;
  /** Ingestion queue stats for /metrics. */
  queueStats?: () => Promise<QueueStats>;
  /** Lookup cache stats for /metrics (omitted: no caches). */
  cacheStats?: () => CacheStats | undefined;
  /** Serves the studio and storefront pages (omitted: no pages). */
  web?: WebHandler;
}

export interface GatewayApp {
  app: Express;
  metrics: GatewayMetrics;
  /** /readyz answers 503 from now on, so a load balancer stops sending new requests. */
  startDraining(): void;
}

export function createApp(deps: AppDeps): GatewayApp {
  const metrics = new GatewayMetrics(deps.engineStats, deps.queueStats, deps.cacheStats);
  const albums = deps.albums ? albumHttp({ ...deps.albums, keys: deps.keys }) : undefined;
  let draining = false;
  const verifier = new SigV4Verifier(deps.keys, { service: SIGNING_SERVICE, ...deps.sigv4 });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestContext(deps.logger, metrics));
  app.use(healthRouter({ checks: deps.checks ?? [], metrics, isDraining: () => draining }));
  if (deps.web) app.use(deps.web);
  if (albums) app.use(REST_BASE, albums.router, albumErrors());
  app.use(REST_BASE, restRouter({ api: deps.api, keys: deps.keys, uploadFileLimitBytes: deps.uploadFileLimitBytes }));
  app.use(awsJsonRouter({ api: deps.api, verifier, bodyLimitBytes: deps.jsonBodyLimitBytes }));
  app.use((req: Request) => {
    throw new GatewayError('NotFoundException', `No route ${req.method} ${req.path}`);
  });
  app.use(lastErrorHandler);
  return {
    app,
    metrics,
    startDraining: () => {
      draining = true;
      albums?.closeStreams();
    },
  };
}

/** Album route errors answer in the REST shape (with Retry-After), not the AWS one. */
function albumErrors() {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => restErrorHandler(error, req, res, next);
}

function lastErrorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const ctx = contextOf(res);
  const wire = toWireError(error);
  ctx.errorName = wire.name;
  if (wire.fault) ctx.log.error({ err: error }, 'request failed');
  if (res.headersSent) return;
  res.status(wire.restStatus).json({ code: wire.name, message: wire.message, requestId: ctx.requestId });
}
