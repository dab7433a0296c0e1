/**
 * A minimal streaming ZIP writer: "stored" entries (photos are already compressed), UTF-8 names,
 * CRC-32 from node:zlib. Each entry is written as soon as it is added, so a download holds one
 * photo in memory at a time. No ZIP64: at most 65,535 entries and 4 GiB, refused beyond.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { crc32 } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const VERSION = 20;
/** General purpose bit 11: the name is UTF-8. */
const UTF8_FLAG = 0x0800;
const MAX_OFFSET = 0xffffffff;
const MAX_ENTRIES = 0xffff;

interface CentralEntry {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

export class ZipLimitError extends Error {
  readonly code = 'ZipLimit';
}

export class StoredZipWriter {
  private readonly entries: CentralEntry[] = [];
  private offset = 0;

  constructor(private readonly out: Writable) {}

  async add(name: string, bytes: Uint8Array, modified: Date = new Date()): Promise<void> {
    const encoded = Buffer.from(name, 'utf8');
    if (this.entries.length >= MAX_ENTRIES) throw new ZipLimitError('a ZIP without ZIP64 holds at most 65,535 files');
    if (this.offset + 30 + encoded.length + bytes.length > MAX_OFFSET) throw new ZipLimitError('a ZIP without ZIP64 is at most 4 GiB');
    const { time, date } = dosDateTime(modified);
    const entry: CentralEntry = { name: encoded, crc: crc32(bytes), size: bytes.length, offset: this.offset, time, date };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(UTF8_FLAG, 6);
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    header.writeUInt32LE(entry.crc, 14);
    header.writeUInt32LE(entry.size, 18);
    header.writeUInt32LE(entry.size, 22);
    header.writeUInt16LE(encoded.length, 26);
    header.writeUInt16LE(0, 28);
    await this.write(header);
    await this.write(encoded);
    await this.write(bytes);
    this.entries.push(entry);
  }

  /** Writes the central directory and the end record; the caller ends the stream. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const header = Buffer.alloc(46);
      header.writeUInt32LE(CENTRAL_HEADER, 0);
      header.writeUInt16LE(VERSION, 4);
      header.writeUInt16LE(VERSION, 6);
      header.writeUInt16LE(UTF8_FLAG, 8);
      header.writeUInt16LE(0, 10);
      header.writeUInt16LE(e.time, 12);
      header.writeUInt16LE(e.date, 14);
      header.writeUInt32LE(e.crc, 16);
      header.writeUInt32LE(e.size, 20);
      header.writeUInt32LE(e.size, 24);
      header.writeUInt16LE(e.name.length, 28);
      // extra, comment, disk, internal and external attributes stay 0
      header.writeUInt32LE(e.offset, 42);
      await this.write(header);
      await this.write(e.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.write(end);
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (this.out.destroyed) throw new Error('the download was closed');
    this.offset += chunk.length;
    if (this.out.write(chunk)) return;
    // A client that goes away never drains: wait for either.
    const ac = new AbortController();
    await Promise.race([once(this.out, 'drain', { signal: ac.signal }), once(this.out, 'close', { signal: ac.signal })]).catch(() => undefined);
    ac.abort();
  }
}

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Entry names from photo names: no directories, no duplicates, a fallback for unnamed photos. */
export function zipEntryNames(photos: readonly { imageId: string; name: string | null }[]): string[] {
  const used = new Set<string>();
  return photos.map((p) => {
    const base = (p.name ?? '').split(/[\\/]/).pop()?.replace(/[\x00-\x1f]/g, '').trim() || `${p.imageId}.jpg`;
    let candidate = base;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = base.replace(/(\.[^.]*)?$/, (ext) => ` (${n})${ext}`);
    used.add(candidate.toLowerCase());
    return candidate;
  });
}
