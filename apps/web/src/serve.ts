/**
 * Serves the built pages: a node:http handler with the (req, res, next) shape, so it mounts in
 * express as `app.use(webHandler())` and in a bare node:http server alike.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { webAssetsDir } from './build.js';

export type WebHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Only our own files: photos are blob: URLs (studio) or same-origin API URLs; the camera is ours.
 * The one exception: the studio PUTs photos straight to the blob store's origin (presigned S3 URLs).
 */
function securityHeaders(uploadOrigins: readonly string[]): Record<string, string> {
  const connect = ["'self'", ...uploadOrigins].join(' ');
  return {
    'content-security-policy':
      `default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src ${connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    'x-content-type-options': 'nosniff',
    // The storefront URL carries the album's share token: never leak it in a Referer.
    'referrer-policy': 'no-referrer',
    'permissions-policy': 'camera=(self), microphone=()',
  };
}

const SHARE_TOKEN = /^[A-Za-z0-9_-]{1,200}$/;
const ASSET_NAME = /^[A-Za-z0-9_-]+\.(js|css)$/;

/** Which file answers a page path, a redirect, or undefined for "not ours". */
export function routeWebPath(pathname: string): { file: string } | { redirect: string } | undefined {
  if (pathname === '/') return { redirect: '/studio/' };
  if (pathname === '/studio') return { redirect: '/studio/' };
  if (pathname === '/studio/') return { file: 'studio.html' };
  const share = /^\/s\/([^/]+)\/?$/.exec(pathname);
  if (share && SHARE_TOKEN.test(share[1])) return { file: 'storefront.html' };
  const asset = /^\/assets\/([^/]+)$/.exec(pathname);
  if (asset && ASSET_NAME.test(asset[1])) return { file: `assets/${asset[1]}` };
  return undefined;
}

export interface WebHandlerOptions {
  /** Origins the studio may upload to directly (e.g. the S3 bucket's), added to connect-src. */
  uploadOrigins?: readonly string[];
}

export function webHandler(dir: string = webAssetsDir(), options: WebHandlerOptions = {}): WebHandler {
  const headers = securityHeaders(options.uploadOrigins ?? []);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routeWebPath(pathname);
    if (!route) return next();
    if ('redirect' in route) {
      res.writeHead(302, { location: route.redirect, ...headers }).end();
      return;
    }
    sendFile(path.join(dir, route.file), req, res, headers).catch(next);
  };
}

async function sendFile(file: string, req: IncomingMessage, res: ServerResponse, security: Record<string, string>): Promise<void> {
  const info = await stat(file);
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = {
    ...security,
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    // Files keep their names across builds, so browsers revalidate (cheap 304s) instead of caching blindly.
    'cache-control': 'no-cache',
    etag,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(info.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
