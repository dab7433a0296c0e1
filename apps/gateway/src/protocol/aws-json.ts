/**
 * The AWS JSON 1.1 protocol, as @aws-sdk/client-rekognition and boto3 speak it: `POST /` with
 * `X-Amz-Target: RekognitionService.<Operation>`, a SigV4-signed JSON body, and errors as
 * `{"__type": <name>, "Message": …}` with `x-amzn-ErrorType`. The operation itself is the face
 * service's; this module only authenticates, decodes, dispatches and encodes.
 */
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { OPERATIONS, type FaceApi, type OperationName } from '@facerec/service';
import { GatewayError, toWireError } from '../errors.js';
import { closeIfUnread, cutOffAbove } from './body-limit.js';
import type { SigV4Verifier } from '../auth/sigv4.js';
import { contextOf } from '../observability/request-context.js';
import { decodeImageBlobs, encodeResponse, isJsonObject, type JsonObject } from './json-codec.js';

export const TARGET_PREFIX = 'RekognitionService.';
export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface AwsJsonOptions {
  api: FaceApi;
  verifier: SigV4Verifier;
  bodyLimitBytes: number;
}

const KNOWN = new Set<string>(OPERATIONS);

export function awsJsonRouter(options: AwsJsonOptions): Router {
  const router = Router();
  const handler: RequestHandler = (req, res) => handle(options, req, res);
  router.post('/', markAwsRequest, cutOffAbove(options.bodyLimitBytes, express.raw({ type: () => true, limit: options.bodyLimitBytes })), handler);
  // Only errors raised inside this router reach it: everything on POST / answers in AWS's shape.
  router.use(awsErrorHandler);
  return router;
}

function markAwsRequest(req: Request, res: Response, next: NextFunction): void {
  const ctx = contextOf(res);
  ctx.api = 'aws';
  const op = operationOf(req);
  ctx.operation = op && KNOWN.has(op) ? op : 'unknown';
  next();
}

async function handle(options: AwsJsonOptions, req: Request, res: Response): Promise<void> {
  const ctx = contextOf(res);
  const body: Uint8Array = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const key = await options.verifier.verify({
    method: req.method,
    path: rawPath(req.originalUrl),
    query: rawQuery(req.originalUrl),
    headers: req.headers,
    body,
  });
  ctx.tenantId = key.tenantId;
  ctx.accessKeyId = key.accessKeyId;
  const operation = knownOperation(operationOf(req));
  const input = decodeImageBlobs(parseBody(body));
  const output = await invoke(options.api, operation, key.tenantId, input);
  res.status(200).type(AWS_JSON_CONTENT_TYPE).send(encodeResponse(output));
}

function operationOf(req: Request): string | undefined {
  const target = req.header('x-amz-target');
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

function knownOperation(name: string | undefined): OperationName {
  if (name === undefined || !KNOWN.has(name)) {
    throw new GatewayError('UnknownOperationException', name === undefined ? 'Missing or unknown X-Amz-Target' : `Unknown operation ${name}`);
  }
  return name as OperationName;
}

function parseBody(body: Uint8Array): JsonObject {
  const text = Buffer.from(body).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError('SerializationException', 'Request body is not valid JSON');
  }
  if (!isJsonObject(value)) throw new GatewayError('SerializationException', 'Request body must be a JSON object');
  return value;
}

/** One typed call site: each operation's request type is what the SDK sent, checked by the service. */
function invoke(api: FaceApi, operation: OperationName, tenantId: string, input: JsonObject): Promise<unknown> {
  const method = api[operation] as (caller: { tenantId: string }, request: JsonObject) => Promise<unknown>;
  return method.call(api, { tenantId }, input);
}

function awsErrorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const ctx = contextOf(res);
  const wire = toWireError(error);
  ctx.errorName = wire.name;
  if (wire.fault) ctx.log.error({ err: error, operation: ctx.operation }, 'request failed');
  if (res.headersSent) return;
  closeIfUnread(req, res);
  // Throttled and unavailable answers say when to come back, as they do on REST (SDKs ignore it).
  if (wire.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(wire.retryAfterSeconds));
  res
    .status(wire.awsStatus)
    .setHeader('x-amzn-ErrorType', wire.name)
    .type(AWS_JSON_CONTENT_TYPE)
    .send(JSON.stringify({ __type: wire.name, Message: wire.message }));
}

function rawPath(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}
