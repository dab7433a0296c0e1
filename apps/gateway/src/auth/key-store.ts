/**
 * What authentication needs from the API key repository. `ApiKeyRepository` from @facerec/db
 * satisfies it; tests may pass a map.
 */
export interface AuthenticatedKey {
  accessKeyId: string;
  tenantId: string;
}

export interface SigningKey extends AuthenticatedKey {
  /** The raw secret: SigV4 verification recomputes an HMAC chain that starts from it. */
  secretAccessKey: string;
}

export interface KeyStore {
  /** Active (not revoked) key with its secret, or undefined. */
  findActive(accessKeyId: string): Promise<SigningKey | undefined>;
  /** Active key whose stored hash matches `secret`, or undefined. */
  verifySecret(accessKeyId: string, secret: string): Promise<AuthenticatedKey | undefined>;
}
