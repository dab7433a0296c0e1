/**
 * JSON logs (pino). Request logs carry chosen fields only (never headers or bodies); the redact
 * list is a second line of defence in case a caller logs an object that holds a secret or image.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config.js';

export type { Logger };

const REDACT = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'secretAccessKey',
  '*.secretAccessKey',
  'serverKey',
  '*.serverKey',
  'Bytes',
  '*.Bytes',
  '*.*.Bytes',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'facerec-gateway' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
