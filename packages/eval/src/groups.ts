/**
 * The detection benchmark on group photos: faces found per photo against the labelled range,
 * recall and over-detections, then false detections on photos without any face.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaceEngine } from '@facerec/face';
import { CsvFormatError, ImageFailedError } from './errors.js';
import { isNotFound, listImages, readRequired } from './files.js';
import { mapConcurrent } from './pool.js';
import type { ProgressCallback } from './progress.js';

export interface GroupPhotoSpec {
  file: string;
  minFaces: number;
  maxFaces: number;
  /** Labelled identities visible in the photo. */
  people: string[];
  /** The free-text remarks that followed identities in parentheses. */
  notes: string[];
}

const GROUP_HEADER = ['file', 'min_faces', 'max_faces', 'people_known'];

/**
 * Parses `file,min_faces,max_faces,people_known`. The last column is free text: only the first
 * three commas separate fields, so remarks may contain commas; identities are `;`-separated and may
 * carry a remark in parentheses ("bbt_sheldon (in costume)").
 */
export function parseGroupsCsv(text: string, file = 'faces.csv'): GroupPhotoSpec[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  if (header.join(',') !== GROUP_HEADER.join(',')) {
    throw new CsvFormatError(file, 1, `header must be ${GROUP_HEADER.join(',')}, got ${header.join(',')}`);
  }
  const specs: GroupPhotoSpec[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() !== '') specs.push(parseGroupRow(line, file, i + 2));
  });
  if (specs.length === 0) throw new CsvFormatError(file, 1, 'no photos after the header');
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.file)) throw new CsvFormatError(file, 1, `${s.file} is listed twice`);
    seen.add(s.file);
  }
  return specs;
}

function parseGroupRow(line: string, file: string, lineNo: number): GroupPhotoSpec {
  const fields = splitFirst(line, ',', 3);
  if (fields.length < 3) throw new CsvFormatError(file, lineNo, `expected at least 3 fields, got ${fields.length}`);
  const name = fields[0].trim();
  if (name === '') throw new CsvFormatError(file, lineNo, 'empty file name');
  const minFaces = parseCount(fields[1], 'min_faces', file, lineNo);
  const maxFaces = parseCount(fields[2], 'max_faces', file, lineNo);
  if (maxFaces < minFaces) throw new CsvFormatError(file, lineNo, `max_faces ${maxFaces} is below min_faces ${minFaces}`);
  const { people, notes } = parsePeople(fields[3] ?? '');
  return { file: name, minFaces, maxFaces, people, notes };
}

/** Splits on the first `count` separators only; the rest stays in the last field. */
function splitFirst(line: string, separator: string, count: number): string[] {
  const fields: string[] = [];
  let rest = line;
  while (fields.length < count) {
    const at = rest.indexOf(separator);
    if (at < 0) break;
    fields.push(rest.slice(0, at));
    rest = rest.slice(at + separator.length);
  }
  fields.push(rest);
  return fields;
}

function parseCount(value: string, column: string, file: string, lineNo: number): number {
  const v = value.trim();
  if (!/^\d+$/.test(v)) throw new CsvFormatError(file, lineNo, `${column} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function parsePeople(text: string): { people: string[]; notes: string[] } {
  const people: string[] = [];
  const notes: string[] = [];
  for (const part of text.split(';')) {
    const open = part.indexOf('(');
    const name = (open < 0 ? part : part.slice(0, open)).trim();
    if (name !== '') people.push(name);
    if (open >= 0) notes.push(part.slice(open + 1).replace(/\)\s*$/, '').trim());
  }
  return { people, notes };
}

export interface GroupPhotoRow {
  file: string;
  min_faces: number;
  max_faces: number;
  found: number;
  status: 'ok' | 'missed' | 'over';
  /** Detector confidences of the faces found, highest first. */
  confidences: number[];
  people_known: string[];
  notes: string[];
  ms: number;
}

export interface NonFaceRow {
  file: string;
  found: number;
  confidences: number[];
  ms: number;
}

export interface GroupsBenchResult {
  model_version: string;
  photos: number;
  photos_in_range: number;
  expected_faces: number;
  found_faces: number;
  /** Σ min(found, min_faces) / Σ min_faces. */
  recall: number;
  /** Σ max(0, found − max_faces). */
  over_detections: number;
  /** Photos in the non-face folder; null when that folder does not exist. */
  nonfaces: number | null;
  /** Faces reported on non-face photos (each one is a false detection); null without the folder. */
  false_detections: number | null;
  ms_per_image: number;
  rows: GroupPhotoRow[];
  nonface_rows: NonFaceRow[];
}

export interface GroupsBenchOptions {
  engine: FaceEngine;
  /** Folder with faces.csv and the photos it lists. */
  dir: string;
  /** Photos that must give no face; default `dir/../_nonfaces` (skipped if that is missing). */
  nonfacesDir?: string;
  concurrency?: number;
  onProgress?: ProgressCallback;
}

export async function runGroupsBench(options: GroupsBenchOptions): Promise<GroupsBenchResult> {
  const csvPath = join(options.dir, 'faces.csv');
  const specs = parseGroupsCsv((await readRequired(csvPath, 'faces.csv')).toString('utf8'), csvPath);
  const nonfacesDir = options.nonfacesDir ?? join(options.dir, '..', '_nonfaces');
  const nonfaces = await nonFaceImages(nonfacesDir, options.nonfacesDir !== undefined);
  const jobs = [
    ...specs.map((s) => join(options.dir, s.file)),
    ...(nonfaces ?? []).map((f) => join(nonfacesDir, f)),
  ];
  let done = 0;
  const detections = await mapConcurrent(jobs, options.concurrency ?? 1, async (path) => {
    const detection = await detect(options.engine, path);
    options.onProgress?.(++done, jobs.length);
    return detection;
  });
  const rows = specs.map((s, i) => photoRow(s, detections[i]));
  const nonfaceRows = (nonfaces ?? []).map((file, i): NonFaceRow => ({ file, ...detections[specs.length + i] }));
  return summarise(options.engine.modelVersion, rows, nonfaces === null ? null : nonfaceRows, detections);
}

/** Null when the default folder is absent; a folder the caller named must exist. */
async function nonFaceImages(dir: string, required: boolean): Promise<string[] | null> {
  if (!required) {
    try {
      await stat(dir);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
  return listImages(dir, { recursive: false });
}

interface Detection {
  found: number;
  confidences: number[];
  ms: number;
}

async function detect(engine: FaceEngine, path: string): Promise<Detection> {
  const bytes = await readRequired(path, 'photo');
  const started = performance.now();
  try {
    const { faces } = await engine.analyze(bytes, { mode: 'album', embed: false, attributes: false });
    const confidences = faces.map((f) => f.Confidence).sort((a, b) => b - a);
    return { found: faces.length, confidences, ms: performance.now() - started };
  } catch (error) {
    throw new ImageFailedError(path, error);
  }
}

function photoRow(spec: GroupPhotoSpec, d: Detection): GroupPhotoRow {
  const status = d.found < spec.minFaces ? 'missed' : d.found > spec.maxFaces ? 'over' : 'ok';
  return {
    file: spec.file,
    min_faces: spec.minFaces,
    max_faces: spec.maxFaces,
    found: d.found,
    status,
    confidences: d.confidences,
    people_known: spec.people,
    notes: spec.notes,
    ms: d.ms,
  };
}

function summarise(modelVersion: string, rows: GroupPhotoRow[], nonfaceRows: NonFaceRow[] | null, all: readonly Detection[]): GroupsBenchResult {
  const sum = (values: number[]): number => values.reduce((s, v) => s + v, 0);
  const expected = sum(rows.map((r) => r.min_faces));
  return {
    model_version: modelVersion,
    photos: rows.length,
    photos_in_range: rows.filter((r) => r.status === 'ok').length,
    expected_faces: expected,
    found_faces: sum(rows.map((r) => r.found)),
    // A photo labelled with no face cannot add recall; with no faces expected at all, nothing was missed.
    recall: expected === 0 ? 1 : sum(rows.map((r) => Math.min(r.found, r.min_faces))) / expected,
    over_detections: sum(rows.map((r) => Math.max(0, r.found - r.max_faces))),
    nonfaces: nonfaceRows?.length ?? null,
    false_detections: nonfaceRows === null ? null : sum(nonfaceRows.map((r) => r.found)),
    ms_per_image: sum(all.map((d) => d.ms)) / all.length,
    rows,
    nonface_rows: nonfaceRows ?? [],
  };
}
