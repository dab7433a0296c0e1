/**
 * Tells "the service could not be reached or failed on its side" (retry later, answer 503) from
 * "the request was wrong" (a bug or bad input). The AWS SDK has already retried by the time an
 * error gets here.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'NetworkingError']);

export function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const record = error as { code?: unknown; name?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown }; cause?: unknown; errors?: unknown };
  const status = record.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  if (record.$fault === 'server') return true;
  if (typeof record.code === 'string' && NETWORK_CODES.has(record.code)) return true;
  if (typeof record.name === 'string' && NETWORK_NAMES.has(record.name)) return true;
  if (Array.isArray(record.errors) && record.errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return isUnavailable(record.cause, depth + 1);
}
