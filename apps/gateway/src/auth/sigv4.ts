/**
 * Verifies AWS Signature Version 4 on incoming AWS-protocol requests, the way AWS does: parse the
 * Authorization header, check the credential scope (service, region, date) and the clock skew
 * before touching the key store, then recompute the signature with the key's secret over exactly
 * the headers the client signed and the body actually received.
 *
 * Region policy: a self-hosted server has no regions, so by default any region in the credential
 * scope is accepted (the region is still part of the signed string); SIGV4_REGIONS narrows it.
 */
import { timingSafeEqual } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { GatewayError } from '../errors.js';
import type { AuthenticatedKey, KeyStore } from './key-store.js';
import { NodeSha256, sha256Hex } from './sha256.js';

export interface IncomingSignedRequest {
  method: string;
  /** The path as sent on the wire (percent-encoded), without the query. */
  path: string;
  /** The raw query string without `?`. */
  query: string;
  /** Lower-cased header names, as node delivers them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
}

export interface SigV4Options {
  service: string;
  /** Accepted credential-scope regions; ['*'] accepts any. */
  regions: readonly string[];
  clockSkewSeconds: number;
  now?: () => Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SIGNATURE = /^[0-9a-f]{64}$/;

interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export class SigV4Verifier {
  private readonly now: () => Date;

  constructor(
    private readonly keys: KeyStore,
    private readonly options: SigV4Options,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async verify(request: IncomingSignedRequest): Promise<AuthenticatedKey> {
    const auth = parseAuthorization(header(request.headers, 'authorization'));
    const amzDate = header(request.headers, 'x-amz-date');
    const signingDate = this.checkDate(amzDate, auth);
    this.checkScope(auth);
    checkSignedHeaders(auth, request);
    checkPayloadHash(request);
    const key = await this.keys.findActive(auth.accessKeyId);
    if (!key) throw new GatewayError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    const expected = await this.expectedSignature(request, auth, signingDate, key.secretAccessKey);
    if (!sameHex(expected, auth.signature)) {
      throw new GatewayError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    return { accessKeyId: key.accessKeyId, tenantId: key.tenantId };
  }

  private checkDate(amzDate: string | undefined, auth: ParsedAuthorization): Date {
    if (!amzDate) throw new GatewayError('IncompleteSignatureException', 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.');
    const match = AMZ_DATE.exec(amzDate);
    if (!match) throw new GatewayError('IncompleteSignatureException', `X-Amz-Date must be in ISO 8601 basic format (YYYYMMDDTHHMMSSZ): ${amzDate}`);
    const [, y, mo, d, h, mi, s] = match;
    const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
    if (auth.scopeDate !== amzDate.slice(0, 8)) {
      throw new GatewayError('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}'`);
    }
    const skewMs = date.getTime() - this.now().getTime();
    const windowMs = this.options.clockSkewSeconds * 1000;
    if (skewMs < -windowMs) throw new GatewayError('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than the allowed window (${this.options.clockSkewSeconds} s).`);
    if (skewMs > windowMs) throw new GatewayError('InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than the allowed window (${this.options.clockSkewSeconds} s).`);
    return date;
  }

  private checkScope(auth: ParsedAuthorization): void {
    if (auth.service !== this.options.service) {
      throw new GatewayError('InvalidSignatureException', `Credential should be scoped to correct service: '${this.options.service}'.`);
    }
    const regions = this.options.regions;
    if (!regions.includes('*') && !regions.includes(auth.region)) {
      throw new GatewayError('InvalidSignatureException', `Credential should be scoped to a valid region (one of ${regions.join(', ')}), not '${auth.region}'.`);
    }
  }

  private async expectedSignature(request: IncomingSignedRequest, auth: ParsedAuthorization, signingDate: Date, secretAccessKey: string): Promise<string> {
    const signer = new SignatureV4({
      credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
      region: auth.region,
      service: auth.service,
      sha256: NodeSha256,
    });
    const signed = await signer.sign(toSmithyRequest(request, auth.signedHeaders), {
      signingDate,
      signableHeaders: new Set(auth.signedHeaders),
    });
    const authorization = String(signed.headers.authorization ?? signed.headers.Authorization ?? '');
    const match = /Signature=([0-9a-f]+)/.exec(authorization);
    if (!match) throw new Error('signature-v4 produced no signature');
    return match[1];
  }
}

function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (!value) throw new GatewayError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) throw new GatewayError('IncompleteSignatureException', `Unsupported authorization algorithm: only ${ALGORITHM} is accepted.`);
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new GatewayError('IncompleteSignatureException', 'Authorization header requires \'Credential\', \'SignedHeaders\' and \'Signature\' parameters.');
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || scope.some((p) => p === '')) {
    throw new GatewayError('IncompleteSignatureException', 'Credential must have the form <AccessKeyId>/<date>/<region>/<service>/aws4_request.');
  }
  if (!HEX_SIGNATURE.test(signature)) throw new GatewayError('IncompleteSignatureException', 'Signature must be 64 hexadecimal characters.');
  return {
    accessKeyId: scope[0],
    scopeDate: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
    signature,
  };
}

/** `host` and `x-amz-date` must be signed, and every signed header must be present. */
function checkSignedHeaders(auth: ParsedAuthorization, request: IncomingSignedRequest): void {
  for (const required of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(required)) {
      throw new GatewayError('InvalidSignatureException', `The ${required} header must be signed.`);
    }
  }
  for (const name of auth.signedHeaders) {
    if (header(request.headers, name) === undefined) {
      throw new GatewayError('InvalidSignatureException', `Signed header ${name} is missing from the request.`);
    }
  }
}

/** A client-declared payload hash must be the hash of the bytes that arrived. */
function checkPayloadHash(request: IncomingSignedRequest): void {
  const declared = header(request.headers, 'x-amz-content-sha256');
  if (declared !== undefined && declared !== sha256Hex(request.body)) {
    throw new GatewayError('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
}

function toSmithyRequest(request: IncomingSignedRequest, signedHeaders: readonly string[]): HttpRequest {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = header(request.headers, name) ?? '';
  const host = headers.host ?? '';
  return new HttpRequest({
    method: request.method,
    protocol: 'http:',
    hostname: host,
    path: decodePath(request.path),
    query: parseQuery(request.query),
    headers,
    body: request.body,
  });
}

/** The signer escapes each segment itself, so hand it the decoded path the client signed. */
function decodePath(path: string): string {
  try {
    return path.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new GatewayError('InvalidSignatureException', 'The request path is not valid percent-encoding.');
  }
}

function parseQuery(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else result[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

function header(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
