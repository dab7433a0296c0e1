/**
 * Per-request state: an id (returned as x-amzn-RequestId on every response), a child logger, and
 * what the handlers learn (API, operation, caller, error) for the access log line and metrics.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

export type ApiKind = 'aws' | 'rest' | 'ops';

export interface RequestContext {
  requestId: string;
  log: Logger;
  api: ApiKind;
  /** A bounded label: an operation or route name, never a raw path. */
  operation: string;
  tenantId?: string;
  accessKeyId?: string;
  errorName?: string;
}

const contexts = new WeakMap<Response, RequestContext>();

export function contextOf(res: Response): RequestContext {
  const ctx = contexts.get(res);
  if (!ctx) throw new Error('request context middleware is not installed');
  return ctx;
}

export function requestContext(logger: Logger, metrics: GatewayMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    const ctx: RequestContext = { requestId, log: logger.child({ requestId }), api: 'ops', operation: 'unmatched' };
    contexts.set(res, ctx);
    res.setHeader('x-amzn-RequestId', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe(ctx.api, ctx.operation, res.statusCode, seconds);
      const line = {
        method: req.method,
        path: loggedPath(req.originalUrl.split('?')[0]),
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e4) / 10,
        api: ctx.api,
        operation: ctx.operation,
        ...(ctx.tenantId ? { tenantId: ctx.tenantId } : {}),
        ...(ctx.accessKeyId ? { accessKeyId: ctx.accessKeyId } : {}),
        ...(ctx.errorName ? { error: ctx.errorName } : {}),
      };
      if (ctx.api === 'ops' && res.statusCode < 400) ctx.log.debug(line, 'request');
      else ctx.log.info(line, 'request');
    });
    next();
  };
}

/**
 * The full path without the query (req.path is relative to the router that answered). A
 * storefront share token is a capability (whoever has the link may search the album and fetch
 * its photos): access lines name the route, not the token.
 */
export function loggedPath(path: string): string {
  return path.replace(/^(\/api\/v1\/public\/albums\/|\/s\/)[^/]+/, '$1:shareToken');
}
