/**
 * Drift between Postgres (the source of truth) and a vector index, one collection at a time
 * (`facerec check [--repair]`). A face row whose vector is not in the index cannot be found by a
 * search; a vector with no face row is a face that was deleted (or never committed) and may be
 * returned by a search. Repair upserts the missing vectors from the rows and deletes the orphans;
 * it never touches Postgres.
 */
import type { CollectionScope, FaceRepository } from '@facerec/db';
import { faceVectorItem, vectorCollectionKey } from './reindex.js';
import type { VectorIndex } from './vector-index.js';

export interface CollectionDrift {
  collectionKey: string;
  /** Face rows of this model version. */
  rows: number;
  /** Ids the index holds under the key. */
  vectors: number;
  /** Face ids with a row and no vector. */
  missing: string[];
  /** Vector ids with no face row. */
  orphans: string[];
  /** Set when repair ran: what it wrote. */
  repaired?: { upserted: number; deleted: number };
}

export interface DriftOptions {
  repair?: boolean;
  batchSize?: number;
}

/** Face ids of one model version, from Postgres. */
async function rowIds(faces: FaceRepository, scope: CollectionScope, modelVersion: string, batchSize: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const batch of faces.embeddings(scope, batchSize)) {
    for (const face of batch) if (face.modelVersion === modelVersion) ids.add(face.faceId);
  }
  return ids;
}

async function indexIds(index: VectorIndex, collectionKey: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const page of index.listIds(collectionKey)) for (const id of page) ids.add(id);
  return ids;
}

/** Upserts the rows among `wanted` from Postgres, batch by batch; returns how many. */
async function upsertFromRows(index: VectorIndex, faces: FaceRepository, scope: CollectionScope, collectionKey: string, wanted: ReadonlySet<string>, batchSize: number): Promise<number> {
  let written = 0;
  for await (const batch of faces.embeddings(scope, batchSize)) {
    const items = batch.filter((face) => wanted.has(face.faceId)).map(faceVectorItem);
    if (items.length === 0) continue;
    await index.upsert(collectionKey, items);
    written += items.length;
  }
  return written;
}

/**
 * Compares one collection's face rows with the index's ids under its key; with `repair`, makes the
 * index match the rows. Writes landing while it runs may show as drift (a row committed before
 * its vector): run it again before acting on a small difference, or repair (idempotent).
 */
export async function checkCollectionDrift(index: VectorIndex, faces: FaceRepository, scope: CollectionScope, modelVersion: string, options: DriftOptions = {}): Promise<CollectionDrift> {
  const batchSize = options.batchSize ?? 1000;
  const collectionKey = vectorCollectionKey({ tenantId: scope.tenantId, collectionPk: scope.id, modelVersion });
  const rows = await rowIds(faces, scope, modelVersion, batchSize);
  const vectors = await indexIds(index, collectionKey);
  const missing = [...rows].filter((id) => !vectors.has(id)).sort();
  const orphans = [...vectors].filter((id) => !rows.has(id)).sort();
  const drift: CollectionDrift = { collectionKey, rows: rows.size, vectors: vectors.size, missing, orphans };
  if (options.repair) {
    const upserted = missing.length > 0 ? await upsertFromRows(index, faces, scope, collectionKey, new Set(missing), batchSize) : 0;
    if (orphans.length > 0) await index.delete(collectionKey, orphans);
    drift.repaired = { upserted, deleted: orphans.length };
  }
  return drift;
}
