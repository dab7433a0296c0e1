/**
 * REST /api/v1: bearer-authenticated routes from the route table, multipart uploads held in
 * memory with a per-file size limit and one file per field, JSON for the rest. Errors carry the
 * same names as the AWS protocol with REST statuses: `{"code", "message", "requestId"}`.
 */
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import type { FaceApi } from '@facerec/service';
import { GatewayError, toWireError } from '../errors.js';
import { verifyBearer } from '../auth/bearer.js';
import type { KeyStore } from '../auth/key-store.js';
import { contextOf } from '../observability/request-context.js';
import { closeIfUnread, cutOffAbove } from '../protocol/body-limit.js';
import { REST_ROUTES, type RestInput, type RestRoute } from './routes.js';
import { openApiDocument } from './openapi.js';
import { docsPage } from './docs-page.js';

export interface RestOptions {
  api: FaceApi;
  keys: KeyStore;
  uploadFileLimitBytes: number;
}

export const REST_BASE = '/api/v1';
const JSON_LIMIT_BYTES = 1024 * 1024;
const MAX_FORM_FIELDS = 20;
const MAX_FIELD_BYTES = 64 * 1024;
/** Multipart framing (part headers, boundaries) on top of the files and fields. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

export function restRouter(options: RestOptions): Router {
  const router = Router();
  router.use(markRest);
  const document = openApiDocument();
  router.get('/openapi.json', (_req, res) => {
    contextOf(res).operation = 'openapi';
    res.json(document);
  });
  const page = docsPage(document);
  router.get('/docs', (_req, res) => {
    contextOf(res).operation = 'docs';
    res.type('html').send(page);
  });
  for (const route of REST_ROUTES) {
    router[route.method](route.path, named(route), authenticate(options.keys), bodyParser(route, options), dispatch(route, options.api));
  }
  router.use((req: Request) => {
    throw new GatewayError('NotFoundException', `No route ${req.method} ${REST_BASE}${req.path}`);
  });
  router.use(restErrorHandler);
  return router;
}

function markRest(_req: Request, res: Response, next: NextFunction): void {
  const ctx = contextOf(res);
  ctx.api = 'rest';
  ctx.operation = 'unmatched';
  next();
}

function named(route: RestRoute): RequestHandler {
  return (_req, res, next) => {
    contextOf(res).operation = route.operation;
    next();
  };
}

/** Before the body is read: an unauthenticated upload is refused without being buffered. */
export function authenticate(keys: KeyStore): RequestHandler {
  return async (req, res, next) => {
    const key = await verifyBearer(keys, req.header('authorization'));
    const ctx = contextOf(res);
    ctx.tenantId = key.tenantId;
    ctx.accessKeyId = key.accessKeyId;
    next();
  };
}

/** Body parsers that answer ImageTooLarge as soon as a body cannot fit, instead of reading it to the end. */
function bodyParser(route: RestRoute, options: RestOptions): RequestHandler {
  if (route.body === 'json') return cutOffAbove(JSON_LIMIT_BYTES, express.json({ limit: JSON_LIMIT_BYTES }));
  if (route.body === 'none') return (_req, _res, next) => next();
  const files = route.fields.filter((f) => f.type === 'file').map((f) => ({ name: f.name, maxCount: 1 }));
  const parser = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: options.uploadFileLimitBytes, files: files.length, fields: MAX_FORM_FIELDS, fieldSize: MAX_FIELD_BYTES },
  }).fields(files);
  return cutOffAbove(files.length * options.uploadFileLimitBytes + MAX_FORM_FIELDS * MAX_FIELD_BYTES + FORM_OVERHEAD_BYTES, parser);
}

function dispatch(route: RestRoute, api: FaceApi): RequestHandler {
  return async (req, res) => {
    const ctx = contextOf(res);
    const input = restInput(req);
    const method = api[route.operation] as (caller: { tenantId: string }, request: Record<string, unknown>) => Promise<unknown>;
    const response = (await method.call(api, { tenantId: ctx.tenantId ?? '' }, route.toRequest(input))) as Record<string, unknown>;
    const body = route.toResponse ? route.toResponse(response, input) : response;
    res.status(route.successStatus).json(body);
  };
}

function restInput(req: Request): RestInput {
  const files: Record<string, Uint8Array> = {};
  const uploaded = req.files;
  if (uploaded && !Array.isArray(uploaded)) {
    for (const [field, list] of Object.entries(uploaded)) {
      const file = list[0];
      if (file) files[field] = new Uint8Array(file.buffer.buffer, file.buffer.byteOffset, file.buffer.byteLength);
    }
  }
  const body: unknown = req.body;
  return {
    params: req.params as Record<string, string>,
    query: req.query as Record<string, unknown>,
    fields: typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {},
    files,
  };
}

export function restErrorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const ctx = contextOf(res);
  const wire = toWireError(error);
  ctx.errorName = wire.name;
  if (wire.fault) ctx.log.error({ err: error, operation: ctx.operation }, 'request failed');
  if (res.headersSent) return;
  closeIfUnread(req, res);
  if (wire.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(wire.retryAfterSeconds));
  res.status(wire.restStatus).json({ code: wire.name, message: wire.message, requestId: ctx.requestId });
}
