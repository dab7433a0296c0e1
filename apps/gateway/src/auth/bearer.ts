/**
 * REST authentication: `Authorization: Bearer <accessKeyId>:<secretAccessKey>`, the same key pair
 * an AWS SDK client signs with, checked against the stored hash (never the sealed copy).
 */
import { GatewayError } from '../errors.js';
import type { AuthenticatedKey, KeyStore } from './key-store.js';

const BEARER = /^Bearer\s+([A-Za-z0-9]{16,128}):(\S{1,256})$/;

export async function verifyBearer(keys: KeyStore, authorization: string | undefined): Promise<AuthenticatedKey> {
  if (!authorization) {
    throw new GatewayError('MissingAuthenticationTokenException', 'Missing Authorization header: send "Authorization: Bearer <accessKeyId>:<secretAccessKey>"');
  }
  const match = BEARER.exec(authorization.trim());
  if (!match) {
    throw new GatewayError('IncompleteSignatureException', 'Authorization must be "Bearer <accessKeyId>:<secretAccessKey>"');
  }
  const key = await keys.verifySecret(match[1], match[2]);
  if (!key) throw new GatewayError('UnrecognizedClientException', 'The access key or secret is invalid.');
  return { accessKeyId: key.accessKeyId, tenantId: key.tenantId };
}
