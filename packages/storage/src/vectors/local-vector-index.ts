/**
 * The embedded default: exact cosine search in process. Each collection key holds its vectors in
 * one contiguous Float32Array (unit-normalised on upsert, so cosine = dot product) and scans it per
 * query: with usearch's prebuilt SIMD scan when it loads and the query has no metadata filter,
 * else a JS loop. Recall is 1 by construction either way.
 *
 * Durability: with a `dataDir`, each collection is snapshotted to its own file (written to a
 * temporary name then renamed, so a crash leaves the previous snapshot intact), a short while
 * after the last change and on close(). Vectors written after the last snapshot are lost on a
 * crash; Postgres still has them, and comparing count() with the database's face count tells
 * the caller when to rebuild (see reindexCollection). One process owns a data directory.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VectorDimensionMismatchError, VectorIndexError } from './vector-index.js';
import type { QueryOptions, VectorIndex, VectorItem, VectorMatch, VectorMetadata } from './vector-index.js';
import { TopK, matchesFilter, normalized } from './vector-math.js';
import { loadSimdScan, quantize, shortlistSize, SIMD_MIN_VECTORS, type SimdScan } from './simd-scan.js';

export interface LocalVectorIndexOptions {
  /** Directory for per-collection snapshot files; undefined keeps everything in memory. */
  dataDir?: string;
  /** Snapshot this long after the last change (default 2000 ms). */
  flushDelayMs?: number;
  /** Scan big unfiltered collections with usearch's native SIMD search (default true; false keeps the JS loop). */
  simd?: boolean;
}

const MAGIC = 0x49565246; // 'FRVI' little-endian
const FORMAT_VERSION = 1;
const HEADER_BYTES = 20;

/** One collection key's vectors: slot i holds ids[i], metadata[i] and data[i*dim .. i*dim+dim). */
class VectorBlock {
  ids: string[] = [];
  metadata: VectorMetadata[] = [];
  slotOf = new Map<string, number>();
  data: Float32Array;
  /** int8 codes of `data`, row for row: the native scan shortlists on them, `data` ranks exactly. */
  codes: Int8Array;

  constructor(
    readonly dim: number,
    capacity = 64,
  ) {
    this.data = new Float32Array(dim * capacity);
    this.codes = new Int8Array(dim * capacity);
  }

  /** Codes for rows loaded straight into `data` (snapshots). */
  encodeAll(): void {
    for (let slot = 0; slot < this.size; slot++) quantize(this.data.subarray(slot * this.dim, (slot + 1) * this.dim), this.codes, slot * this.dim);
  }

  get size(): number {
    return this.ids.length;
  }

  upsert(item: VectorItem): void {
    const unit = normalized(item.vector);
    let slot = this.slotOf.get(item.id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.ensureCapacity(slot + 1);
      this.ids.push(item.id);
      this.metadata.push(definedFields(item.metadata));
      this.slotOf.set(item.id, slot);
    } else {
      this.metadata[slot] = definedFields(item.metadata);
    }
    this.data.set(unit, slot * this.dim);
    quantize(unit, this.codes, slot * this.dim);
  }

  /** Swap-removes: the last slot moves into the hole, keeping the block contiguous. */
  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const movedId = this.ids[last];
      this.ids[slot] = movedId;
      this.metadata[slot] = this.metadata[last];
      this.slotOf.set(movedId, slot);
      this.data.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
      this.codes.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
    }
    this.ids.pop();
    this.metadata.pop();
    this.slotOf.delete(id);
    return true;
  }

  search(query: Float32Array, options: QueryOptions, simd: SimdScan | undefined): VectorMatch[] {
    const best = new TopK(Math.max(0, Math.min(options.topK, this.size)));
    const minScore = options.minScore ?? -Infinity;
    const { dim, data } = this;
    if (simd && !options.filter && this.size >= SIMD_MIN_VECTORS) {
      // The native scan shortlists on the int8 codes; exact scores rank the shortlist here, so both
      // paths give the same answers and the same numbers.
      for (const slot of simd(this.codes.subarray(0, this.size * dim), quantize(query), dim, shortlistSize(best.k, this.size))) {
        const score = dot(query, data, slot * dim, dim);
        if (score >= minScore) best.push(score, slot);
      }
    } else {
      for (let slot = 0; slot < this.size; slot++) {
        if (options.filter && !matchesFilter(this.metadata[slot], options.filter)) continue;
        const score = dot(query, data, slot * dim, dim);
        if (score >= minScore) best.push(score, slot);
      }
    }
    const matches: VectorMatch[] = [];
    for (let i = 0; i < best.size; i++) {
      const slot = best.slots[i];
      matches.push({ id: this.ids[slot], score: best.scores[i], metadata: { ...this.metadata[slot] } });
    }
    return matches;
  }

  private ensureCapacity(slots: number): void {
    if (slots * this.dim <= this.data.length) return;
    const rows = Math.max(slots, (this.data.length / this.dim) * 2);
    const grown = new Float32Array(rows * this.dim);
    grown.set(this.data);
    this.data = grown;
    const codes = new Int8Array(rows * this.dim);
    codes.set(this.codes);
    this.codes = codes;
  }
}

/** Absent and undefined fields read the same everywhere, as in Pinecone and pgvector's jsonb. */
function definedFields(metadata: VectorMetadata): VectorMetadata {
  const out: VectorMetadata = { imageId: metadata.imageId };
  for (const [key, value] of Object.entries(metadata)) if (value !== undefined) out[key] = value;
  return out;
}

/** Unrolled by four: about twice as fast as the plain loop in V8 for 128–1024 dimensions. */
function dot(query: Float32Array, data: Float32Array, offset: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += query[i] * data[offset + i];
    s1 += query[i + 1] * data[offset + i + 1];
    s2 += query[i + 2] * data[offset + i + 2];
    s3 += query[i + 3] * data[offset + i + 3];
  }
  for (; i < dim; i++) s0 += query[i] * data[offset + i];
  return s0 + s1 + s2 + s3;
}

const LIST_PAGE = 1000;

export class LocalVectorIndex implements VectorIndex {
  /** Loaded collections; null marks a key known to hold nothing. */
  private readonly blocks = new Map<string, VectorBlock | null>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushDelayMs: number;
  private readonly simd: Promise<SimdScan | undefined>;

  constructor(private readonly options: LocalVectorIndexOptions = {}) {
    this.flushDelayMs = options.flushDelayMs ?? 2000;
    this.simd = options.simd === false ? Promise.resolve(undefined) : loadSimdScan();
  }

  async upsert(collectionKey: string, items: readonly VectorItem[]): Promise<void> {
    if (items.length === 0) return;
    const dim = items[0].vector.length;
    for (const item of items) {
      if (item.vector.length !== dim) throw new VectorDimensionMismatchError(collectionKey, dim, item.vector.length);
    }
    await this.block(collectionKey);
    // Read again without awaiting in between, so concurrent first upserts share one block.
    let block = this.blocks.get(collectionKey) ?? undefined;
    if (block && block.dim !== dim) throw new VectorDimensionMismatchError(collectionKey, block.dim, dim);
    if (!block) {
      block = new VectorBlock(dim);
      this.blocks.set(collectionKey, block);
    }
    for (const item of items) block.upsert(item);
    this.markDirty(collectionKey);
  }

  async delete(collectionKey: string, ids: readonly string[]): Promise<void> {
    const block = await this.block(collectionKey);
    if (!block) return;
    let changed = false;
    for (const id of ids) changed = block.remove(id) || changed;
    if (changed) this.markDirty(collectionKey);
  }

  async deleteByImage(collectionKey: string, imageId: string): Promise<void> {
    const block = await this.block(collectionKey);
    if (!block) return;
    const ids = block.ids.filter((_, slot) => block.metadata[slot].imageId === imageId);
    await this.delete(collectionKey, ids);
  }

  async deleteCollection(collectionKey: string): Promise<void> {
    this.blocks.set(collectionKey, null);
    this.dirty.delete(collectionKey);
    if (this.options.dataDir) {
      await this.flushing;
      await rm(this.fileFor(collectionKey), { force: true });
    }
  }

  async query(collectionKey: string, vector: Float32Array, options: QueryOptions): Promise<VectorMatch[]> {
    const block = await this.block(collectionKey);
    if (!block || options.topK <= 0) return [];
    if (vector.length !== block.dim) throw new VectorDimensionMismatchError(collectionKey, block.dim, vector.length);
    return block.search(normalized(vector), options, await this.simd);
  }

  async count(collectionKey: string): Promise<number> {
    return (await this.block(collectionKey))?.size ?? 0;
  }

  async *listIds(collectionKey: string): AsyncIterable<string[]> {
    const block = await this.block(collectionKey);
    if (!block) return;
    // A snapshot: deletes while the caller iterates move ids between slots.
    const ids = [...block.ids];
    for (let start = 0; start < ids.length; start += LIST_PAGE) yield ids.slice(start, start + LIST_PAGE);
  }

  /** Writes every changed collection now. */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const keys = [...this.dirty];
    this.dirty.clear();
    this.flushing = this.flushing.then(() => this.writeSnapshots(keys));
    await this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async block(collectionKey: string): Promise<VectorBlock | undefined> {
    if (!this.blocks.has(collectionKey)) {
      let loading = this.loading.get(collectionKey);
      if (!loading) {
        loading = this.load(collectionKey)
          .then((block) => {
            // A write or deleteCollection that happened meanwhile wins over the file.
            if (!this.blocks.has(collectionKey)) this.blocks.set(collectionKey, block ?? null);
          })
          .finally(() => this.loading.delete(collectionKey));
        this.loading.set(collectionKey, loading);
      }
      await loading;
    }
    return this.blocks.get(collectionKey) ?? undefined;
  }

  private markDirty(collectionKey: string): void {
    if (!this.options.dataDir) return;
    this.dirty.add(collectionKey);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => void this.flush().catch(() => undefined), this.flushDelayMs);
    // A pending snapshot must not keep the process alive; close() flushes explicitly.
    this.flushTimer.unref();
  }

  private fileFor(collectionKey: string): string {
    const name = createHash('sha256').update(collectionKey).digest('hex').slice(0, 40);
    return join(this.options.dataDir ?? '.', `${name}.vec`);
  }

  private async writeSnapshots(keys: string[]): Promise<void> {
    if (!this.options.dataDir || keys.length === 0) return;
    await mkdir(this.options.dataDir, { recursive: true });
    for (const key of keys) {
      const block = this.blocks.get(key);
      if (!block) continue;
      const file = this.fileFor(key);
      await writeFile(`${file}.tmp`, encodeSnapshot(key, block));
      await rename(`${file}.tmp`, file);
    }
  }

  private async load(collectionKey: string): Promise<VectorBlock | undefined> {
    if (!this.options.dataDir) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.fileFor(collectionKey));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return decodeSnapshot(collectionKey, bytes);
  }
}

interface SnapshotHeader {
  key: string;
  ids: string[];
  metadata: VectorMetadata[];
}

/**
 * Layout: magic, version, dim, count, header length (u32 LE each); JSON header (key, ids,
 * metadata); zero padding to a 4-byte boundary; count × dim float32 LE.
 */
function encodeSnapshot(key: string, block: VectorBlock): Buffer {
  const header: SnapshotHeader = { key, ids: block.ids, metadata: block.metadata };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((HEADER_BYTES + json.length) / 4) * 4;
  const vectors = block.size * block.dim;
  const out = Buffer.alloc(padded + vectors * 4);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(FORMAT_VERSION, 4);
  out.writeUInt32LE(block.dim, 8);
  out.writeUInt32LE(block.size, 12);
  out.writeUInt32LE(json.length, 16);
  json.copy(out, HEADER_BYTES);
  writeFloatsLE(block.data.subarray(0, vectors), out, padded);
  return out;
}

function decodeSnapshot(key: string, bytes: Buffer): VectorBlock {
  if (bytes.length < HEADER_BYTES || bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== FORMAT_VERSION) {
    throw new VectorIndexError(`Vector snapshot for ${key} is not in a known format; rebuild it from Postgres`);
  }
  const dim = bytes.readUInt32LE(8);
  const count = bytes.readUInt32LE(12);
  const jsonLength = bytes.readUInt32LE(16);
  const header = JSON.parse(bytes.toString('utf8', HEADER_BYTES, HEADER_BYTES + jsonLength)) as SnapshotHeader;
  const offset = Math.ceil((HEADER_BYTES + jsonLength) / 4) * 4;
  if (header.key !== key || header.ids.length !== count || bytes.length !== offset + count * dim * 4) {
    throw new VectorIndexError(`Vector snapshot for ${key} is inconsistent; rebuild it from Postgres`);
  }
  const block = new VectorBlock(dim, Math.max(count, 64));
  readFloatsLE(bytes, offset, block.data.subarray(0, count * dim));
  block.ids = header.ids;
  block.metadata = header.metadata;
  header.ids.forEach((id, slot) => block.slotOf.set(id, slot));
  block.encodeAll();
  return block;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Snapshots are little-endian; on little-endian hosts (x86, arm64) that is a plain byte copy. */
function writeFloatsLE(source: Float32Array, out: Buffer, offset: number): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), offset);
    return;
  }
  for (let i = 0; i < source.length; i++) out.writeFloatLE(source[i], offset + i * 4);
}

function readFloatsLE(bytes: Buffer, offset: number, target: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(bytes.subarray(offset, offset + target.byteLength));
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < target.length; i++) target[i] = view.getFloat32(offset + i * 4, true);
}
