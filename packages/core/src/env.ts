import { InvalidParameterError } from './errors.js';

/**
 * Typed readers for environment variables. Each app builds its config object from these in one
 * module, so a bad value fails at start-up with the variable's name, not deep inside a request.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends InvalidParameterError {}

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function envString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function envOptionalString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function envNumber(env: Env, name: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got "${v}"`);
  if (range.integer && !Number.isInteger(n)) throw new ConfigError(`${name} must be an integer, got "${v}"`);
  if (range.min !== undefined && n < range.min) throw new ConfigError(`${name} must be >= ${range.min}, got ${n}`);
  if (range.max !== undefined && n > range.max) throw new ConfigError(`${name} must be <= ${range.max}, got ${n}`);
  return n;
}

export function envBoolean(env: Env, name: string, fallback: boolean): boolean {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${v}"`);
}

export function envEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}
