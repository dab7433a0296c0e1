/** Hand-signed AWS JSON requests, for the cases the SDK client will not produce. */
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../src/auth/sha256.js';

export interface RawCall {
  url: string;
  target: string;
  body: string;
  accessKeyId: string;
  secretAccessKey: string;
  service?: string;
  region?: string;
  signingDate?: Date;
  /** Sent instead of the signed body (tampering). */
  sentBody?: string;
  /** Extra headers added after signing. */
  unsignedHeaders?: Record<string, string>;
}

export async function signedFetch(call: RawCall): Promise<Response> {
  const url = new URL(call.url);
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': call.target,
    },
    body: call.body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: call.accessKeyId, secretAccessKey: call.secretAccessKey },
    region: call.region ?? 'us-east-1',
    service: call.service ?? 'rekognition',
    sha256: NodeSha256,
  });
  const signed = await signer.sign(request, call.signingDate ? { signingDate: call.signingDate } : {});
  const headers = { ...(signed.headers as Record<string, string>), ...(call.unsignedHeaders ?? {}) };
  delete headers.host;
  return fetch(`${call.url}/`, { method: 'POST', headers, body: call.sentBody ?? call.body });
}
