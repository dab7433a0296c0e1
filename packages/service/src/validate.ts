import { InvalidParameterError } from '@facerec/core';

/** Field constraints from the Rekognition API model (reference/rekognition/operations.txt). */
const COLLECTION_ID = /^[a-zA-Z0-9_.\-]+$/;
const EXTERNAL_ID = /^[a-zA-Z0-9_.\-:]+$/;
const FACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CLIENT_TOKEN = /^[a-zA-Z0-9-_]+$/;

function fail(field: string, detail: string): never {
  throw new InvalidParameterError(`Request has invalid parameters: ${field} ${detail}`);
}

function pattern(value: unknown, field: string, re: RegExp, min: number, max: number): string {
  if (typeof value !== 'string') fail(field, 'must be a string');
  if (value.length < min || value.length > max) fail(field, `must be ${min}–${max} characters long`);
  if (!re.test(value)) fail(field, `must match ${re.source}`);
  return value;
}

export function required<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) fail(field, 'is required');
  return value;
}

export const collectionId = (v: unknown): string => pattern(v, 'CollectionId', COLLECTION_ID, 1, 255);
export const externalImageId = (v: unknown): string => pattern(v, 'ExternalImageId', EXTERNAL_ID, 1, 255);
export const userId = (v: unknown): string => pattern(v, 'UserId', EXTERNAL_ID, 1, 128);
export const faceId = (v: unknown, field = 'FaceId'): string => pattern(v, field, FACE_ID, 36, 36);
export const clientRequestToken = (v: unknown): string => pattern(v, 'ClientRequestToken', CLIENT_TOKEN, 1, 64);

export function faceIds(v: unknown, field: string, max: number): string[] {
  if (!Array.isArray(v)) fail(field, 'must be a list');
  if (v.length < 1 || v.length > max) fail(field, `must hold 1–${max} face ids`);
  return v.map((id) => faceId(id, field));
}

/** An optional number within [min, max]; `integer` for counts. */
export function numberIn(v: unknown, field: string, min: number, max: number, fallback: number, integer = false): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'must be a number');
  if (integer && !Number.isInteger(v)) fail(field, 'must be an integer');
  if (v < min || v > max) fail(field, `must be between ${min} and ${max}`);
  return v;
}

export function optionalString(v: unknown, field: string, max: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(field, 'must be a string');
  if (v.length > max) fail(field, `must be at most ${max} characters`);
  return v;
}

export function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(field, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

export const ATTRIBUTES = ['DEFAULT', 'ALL', 'AGE_RANGE', 'BEARD', 'EMOTIONS', 'EYE_DIRECTION', 'EYEGLASSES', 'EYES_OPEN', 'GENDER', 'MOUTH_OPEN', 'MUSTACHE', 'FACE_OCCLUDED', 'SMILE', 'SUNGLASSES'] as const;
export type AttributeName = (typeof ATTRIBUTES)[number];

/** Attributes list → whether any non-default attribute was asked for. */
export function attributes(v: unknown, field: string): AttributeName[] {
  if (v === undefined || v === null) return ['DEFAULT'];
  if (!Array.isArray(v)) fail(field, 'must be a list');
  return v.map((a) => oneOf(a, field, ATTRIBUTES, 'DEFAULT'));
}

export const QUALITY_FILTERS = ['NONE', 'AUTO', 'LOW', 'MEDIUM', 'HIGH'] as const;
export type QualityFilter = (typeof QUALITY_FILTERS)[number];
