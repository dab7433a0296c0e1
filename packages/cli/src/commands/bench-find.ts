/**
 * `facerec bench find`: "find my photos" accuracy. Every photo under --gallery (identity = its
 * folder) goes into a fresh album on the embedded stack; every photo under --probes is searched
 * as a selfie (threshold 80). A probe "knows" its identity by its folder too.
 * - rank1: probes whose person is in the gallery and whose best match is that person
 * - recall_at_80: mean share of the person's gallery photos returned at threshold 80
 * - false_match_rate: probes of people NOT in the gallery that still match something
 * `facerec bench make-gallery` builds such a gallery/probes pair from LFW (copies, outside the repo).
 */
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidParameterError } from '@facerec/core';
import { listImages } from '@facerec/eval';
import { parse, type Command } from './command.js';
import { api, positiveInt, startBenchStack, uploadAll, waitIndexed, type BenchStack } from './bench-album.js';

const USAGE = [
  'facerec bench find --gallery <dir> --probes <dir> [--threads N]',
  'facerec bench make-gallery --lfw <lfw-view1/images> --out <dir> [--identities 40] [--gallery-per-identity 2] [--distractors 40]',
].join('\n       ');

interface Match {
  imageId: string;
  similarity: number;
}

export interface FindResult {
  rank1: number;
  recall_at_80: number;
  false_match_rate: number;
  searches: number;
  ms_per_search: number;
  probes_known: number;
  probes_unknown: number;
  probes_without_face: number;
  gallery_photos: number;
}

const identityOf = (rel: string): string => rel.split(/[\\/]/).slice(-2, -1)[0] ?? '';
/** Upload names carry the identity before `__` (multipart file names lose their folders). */
const SEPARATOR = '__';

async function search(stack: BenchStack, albumId: string, bytes: Buffer): Promise<Match[] | undefined> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'selfie.jpg');
  form.append('threshold', '80');
  form.append('limit', '100');
  const res = await fetch(`${stack.gateway.url}/api/v1/albums/${albumId}/search`, { method: 'POST', headers: { authorization: stack.authorization }, body: form });
  const body = (await res.json()) as { matches?: Match[]; code?: string };
  if (res.status === 400 && body.code === 'InvalidParameterException') return undefined; // no face in the probe
  if (!res.ok) throw new Error(`search → ${res.status} ${JSON.stringify(body)}`);
  return body.matches ?? [];
}

async function runFind(galleryDir: string, probesDir: string, threads: number): Promise<FindResult> {
  const gallery = (await listImages(galleryDir, { recursive: true })).map((rel) => ({ name: `${identityOf(rel)}${SEPARATOR}${path.basename(rel)}`, file: path.join(galleryDir, rel) }));
  const probes = await listImages(probesDir, { recursive: true });
  if (gallery.length === 0 || probes.length === 0) throw new InvalidParameterError('--gallery and --probes must both hold images in per-identity folders');
  const stack = await startBenchStack(threads);
  try {
    const album = await api<{ albumId: string }>(stack, 'POST', '/albums', { name: 'bench find' });
    const names = await uploadAll(stack, album.albumId, gallery);
    await waitIndexed(stack, album.albumId, performance.now());
    const identityOfImage = new Map([...names].map(([id, name]) => [id, name.split(SEPARATOR)[0]]));
    const galleryCount = new Map<string, number>();
    for (const identity of identityOfImage.values()) galleryCount.set(identity, (galleryCount.get(identity) ?? 0) + 1);
    let known = 0, unknown = 0, noFace = 0, rank1 = 0, recall = 0, falseMatches = 0, searchMs = 0, searches = 0;
    for (const rel of probes) {
      const identity = identityOf(rel);
      const bytes = await readFile(path.join(probesDir, rel));
      const t0 = performance.now();
      const matches = await search(stack, album.albumId, bytes);
      searchMs += performance.now() - t0;
      searches++;
      if (!matches) {
        noFace++;
        continue;
      }
      const inGallery = galleryCount.get(identity);
      if (!inGallery) {
        unknown++;
        if (matches.length > 0) falseMatches++;
        continue;
      }
      known++;
      if (matches[0] && identityOfImage.get(matches[0].imageId) === identity) rank1++;
      recall += matches.filter((m) => identityOfImage.get(m.imageId) === identity).length / inGallery;
    }
    const ratio = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);
    return {
      rank1: ratio(rank1, known),
      recall_at_80: ratio(recall, known),
      false_match_rate: ratio(falseMatches, unknown),
      searches,
      ms_per_search: Math.round((searchMs / Math.max(1, searches)) * 10) / 10,
      probes_known: known,
      probes_unknown: unknown,
      probes_without_face: noFace,
      gallery_photos: gallery.length,
    };
  } finally {
    await stack.close();
  }
}

/** First identities (by name) with enough images: gallery/<id>/ gets the first few, probes/<id>/ the rest; distractors go only to probes. */
async function makeGallery(lfw: string, out: string, identities: number, perIdentity: number, distractors: number): Promise<{ gallery: number; probes: number; identities: number; distractors: number }> {
  const people = (await readdir(lfw, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  let gallery = 0, probes = 0, chosen = 0, extra = 0;
  for (const person of people) {
    const files = (await readdir(path.join(lfw, person))).filter((f) => /\.jpe?g$/i.test(f)).sort();
    if (chosen < identities && files.length >= perIdentity + 2) {
      chosen++;
      for (const [i, f] of files.entries()) {
        const dir = path.join(out, i < perIdentity ? 'gallery' : 'probes', person);
        await mkdir(dir, { recursive: true });
        await copyFile(path.join(lfw, person, f), path.join(dir, f));
        if (i < perIdentity) gallery++;
        else probes++;
      }
    } else if (extra < distractors && files.length < perIdentity + 2) {
      extra++;
      const dir = path.join(out, 'probes', person);
      await mkdir(dir, { recursive: true });
      await copyFile(path.join(lfw, person, files[0]), path.join(dir, files[0]));
      probes++;
    }
    if (chosen >= identities && extra >= distractors) break;
  }
  return { gallery, probes, identities: chosen, distractors: extra };
}

export const benchFindCommand: Command = {
  summary: '"find my photos" accuracy: rank-1, recall at 80, false matches of people not in the album',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(
      args,
      { gallery: { type: 'string' }, probes: { type: 'string' }, threads: { type: 'string' }, lfw: { type: 'string' }, out: { type: 'string' }, identities: { type: 'string' }, 'gallery-per-identity': { type: 'string' }, distractors: { type: 'string' } },
      USAGE,
    );
    if (positionals[0] === 'make-gallery') {
      if (!values.lfw || !values.out) throw new InvalidParameterError(`--lfw and --out are required\nusage: ${USAGE}`);
      const made = await makeGallery(values.lfw, values.out, positiveInt(values.identities, '--identities', 40), positiveInt(values['gallery-per-identity'], '--gallery-per-identity', 2), positiveInt(values.distractors, '--distractors', 40));
      process.stdout.write(`${JSON.stringify({ ...made, gallery_dir: path.join(values.out, 'gallery'), probes_dir: path.join(values.out, 'probes') })}\n`);
      return 0;
    }
    if (!values.gallery || !values.probes) throw new InvalidParameterError(`--gallery and --probes are required\nusage: ${USAGE}`);
    const result = await runFind(values.gallery, values.probes, positiveInt(values.threads, '--threads', 1));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  },
};
