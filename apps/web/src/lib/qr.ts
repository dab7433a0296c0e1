/**
 * A small QR code encoder for the share panel: byte mode, error correction level M, versions 1–10
 * (up to 213 bytes, plenty for a storefront URL). Written from the ISO/IEC 18004 layout rules.
 */

export class QrTooLongError extends Error {
  constructor(bytes: number) {
    super(`QR: ${bytes} bytes do not fit in version 10 at level M (213 bytes)`);
    this.name = 'QrTooLongError';
  }
}

/** Level M block layout per version: EC codewords per block and data codewords of each block. */
const LEVEL_M: readonly { ecPerBlock: number; blocks: readonly number[] }[] = [
  { ecPerBlock: 10, blocks: [16] },
  { ecPerBlock: 16, blocks: [28] },
  { ecPerBlock: 26, blocks: [44] },
  { ecPerBlock: 18, blocks: [32, 32] },
  { ecPerBlock: 24, blocks: [43, 43] },
  { ecPerBlock: 16, blocks: [27, 27, 27, 27] },
  { ecPerBlock: 18, blocks: [31, 31, 31, 31] },
  { ecPerBlock: 22, blocks: [38, 38, 39, 39] },
  { ecPerBlock: 22, blocks: [36, 36, 36, 37, 37] },
  { ecPerBlock: 26, blocks: [43, 43, 43, 43, 44] },
];

const ALIGNMENT_CENTRES: readonly (readonly number[])[] = [
  [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
];

const LEVEL_M_BITS = 0b00;

export interface QrCode {
  version: number;
  size: number;
  mask: number;
  /** modules[row][col], true = dark. */
  modules: boolean[][];
}

export function encodeQr(text: string): QrCode {
  const bytes = new TextEncoder().encode(text);
  const version = chooseVersion(bytes.length);
  const codewords = interleave(version, dataCodewords(bytes, version));
  const grid = new Grid(version);
  grid.placeData(codewords);
  let best: { mask: number; penalty: number } | undefined;
  for (let mask = 0; mask < 8; mask++) {
    const penalty = grid.withMask(mask).penalty();
    if (!best || penalty < best.penalty) best = { mask, penalty };
  }
  const mask = best?.mask ?? 0;
  return { version, size: grid.size, mask, modules: grid.withMask(mask).dark };
}

function dataCapacity(version: number): number {
  return LEVEL_M[version - 1].blocks.reduce((a, b) => a + b, 0);
}

function countBits(version: number): number {
  return version < 10 ? 8 : 16;
}

function chooseVersion(byteLength: number): number {
  for (let v = 1; v <= LEVEL_M.length; v++) {
    if (4 + countBits(v) + 8 * byteLength <= 8 * dataCapacity(v)) return v;
  }
  throw new QrTooLongError(byteLength);
}

/** Mode indicator, count, bytes, terminator and the 0xEC/0x11 pad bytes the standard prescribes. */
function dataCodewords(bytes: Uint8Array, version: number): number[] {
  const bits: number[] = [];
  const push = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(bytes.length, countBits(version));
  for (const b of bytes) push(b, 8);
  const capacityBits = 8 * dataCapacity(version);
  push(0, Math.min(4, capacityBits - bits.length));
  while (bits.length % 8 !== 0) bits.push(0);
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 8) out.push(bits.slice(i, i + 8).reduce((acc, bit) => (acc << 1) | bit, 0));
  for (let pad = 0; out.length < capacityBits / 8; pad++) out.push(pad % 2 === 0 ? 0xec : 0x11);
  return out;
}

function interleave(version: number, data: number[]): number[] {
  const { ecPerBlock, blocks } = LEVEL_M[version - 1];
  const dataBlocks: number[][] = [];
  let offset = 0;
  for (const length of blocks) {
    dataBlocks.push(data.slice(offset, offset + length));
    offset += length;
  }
  const ecBlocks = dataBlocks.map((block) => reedSolomon(block, ecPerBlock));
  const out: number[] = [];
  const longest = Math.max(...blocks);
  for (let i = 0; i < longest; i++) for (const block of dataBlocks) if (i < block.length) out.push(block[i]);
  for (let i = 0; i < ecPerBlock; i++) for (const block of ecBlocks) out.push(block[i]);
  return out;
}

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];

function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

/** Generator (x - α^0)(x - α^1)…(x - α^(n-1)), coefficients highest degree first, leading 1 dropped. */
function generator(degree: number): number[] {
  let poly = [1];
  for (let i = 0; i < degree; i++) {
    const next = new Array<number>(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j];
      next[j + 1] ^= gfMul(poly[j], EXP[i]);
    }
    poly = next;
  }
  return poly.slice(1);
}

/** The EC codewords: the remainder of data·x^n divided by the generator. */
export function reedSolomon(data: readonly number[], ecLength: number): number[] {
  const gen = generator(ecLength);
  const rem = new Array<number>(ecLength).fill(0);
  for (const byte of data) {
    const factor = byte ^ (rem.shift() ?? 0);
    rem.push(0);
    for (let i = 0; i < ecLength; i++) rem[i] ^= gfMul(gen[i], factor);
  }
  return rem;
}

/** BCH remainder of `value << shift` by `poly` (used by format and version information). */
function bchRemainder(value: number, shift: number, poly: number): number {
  const polyDegree = 31 - Math.clz32(poly);
  let rem = value << shift;
  for (let bit = 31 - Math.clz32(rem); bit >= polyDegree; bit--) if ((rem >>> bit) & 1) rem ^= poly << (bit - polyDegree);
  return rem;
}

/** The 15 format bits for level M and a mask, masked with 101010000010010 as the standard says. */
export function formatBits(mask: number): number {
  const data = (LEVEL_M_BITS << 3) | mask;
  return ((data << 10) | bchRemainder(data, 10, 0x537)) ^ 0x5412;
}

/** The 18 version bits (versions 7 and up). */
export function versionBits(version: number): number {
  return (version << 12) | bchRemainder(version, 12, 0x1f25);
}

const MASKS: readonly ((row: number, col: number) => boolean)[] = [
  (r, c) => (r + c) % 2 === 0,
  (r) => r % 2 === 0,
  (_r, c) => c % 3 === 0,
  (r, c) => (r + c) % 3 === 0,
  (r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
  (r, c) => ((r * c) % 2) + ((r * c) % 3) === 0,
  (r, c) => (((r * c) % 2) + ((r * c) % 3)) % 2 === 0,
  (r, c) => (((r + c) % 2) + ((r * c) % 3)) % 2 === 0,
];

class Grid {
  readonly size: number;
  readonly dark: boolean[][];
  /** Modules that belong to patterns and format/version areas: data and masks skip them. */
  readonly reserved: boolean[][];

  constructor(readonly version: number, source?: Grid) {
    this.size = 17 + 4 * version;
    this.dark = source ? source.dark.map((row) => [...row]) : this.blank();
    this.reserved = source ? source.reserved : this.blank();
    if (!source) this.drawFunctionPatterns();
  }

  private blank(): boolean[][] {
    return Array.from({ length: this.size }, () => new Array<boolean>(this.size).fill(false));
  }

  private set(row: number, col: number, dark: boolean): void {
    this.dark[row][col] = dark;
    this.reserved[row][col] = true;
  }

  private drawFunctionPatterns(): void {
    const n = this.size;
    for (const [r, c] of [[3, 3], [3, n - 4], [n - 4, 3]]) this.drawFinder(r, c);
    for (let i = 8; i < n - 8; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    const centres = ALIGNMENT_CENTRES[this.version - 1];
    const last = centres.length - 1;
    centres.forEach((r, i) => {
      centres.forEach((c, j) => {
        const inFinderCorner = (i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0);
        if (!inFinderCorner) this.drawAlignment(r, c);
      });
    });
    this.drawFormat(0); // reserves the area; redrawn per mask
    this.drawVersion();
  }

  private drawFinder(cr: number, cc: number): void {
    for (let dr = -4; dr <= 4; dr++) {
      for (let dc = -4; dc <= 4; dc++) {
        const r = cr + dr;
        const c = cc + dc;
        if (r < 0 || c < 0 || r >= this.size || c >= this.size) continue;
        const ring = Math.max(Math.abs(dr), Math.abs(dc));
        this.set(r, c, ring !== 2 && ring !== 4);
      }
    }
  }

  private drawAlignment(cr: number, cc: number): void {
    for (let dr = -2; dr <= 2; dr++) {
      for (let dc = -2; dc <= 2; dc++) this.set(cr + dr, cc + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
    }
  }

  drawFormat(mask: number): void {
    const bits = formatBits(mask);
    const bit = (i: number) => ((bits >>> i) & 1) === 1;
    const n = this.size;
    for (let i = 0; i <= 5; i++) this.set(i, 8, bit(i));
    this.set(7, 8, bit(6));
    this.set(8, 8, bit(7));
    this.set(8, 7, bit(8));
    for (let i = 9; i < 15; i++) this.set(8, 14 - i, bit(i));
    for (let i = 0; i < 8; i++) this.set(8, n - 1 - i, bit(i));
    for (let i = 8; i < 15; i++) this.set(n - 15 + i, 8, bit(i));
    this.set(n - 8, 8, true); // the dark module
  }

  private drawVersion(): void {
    if (this.version < 7) return;
    const bits = versionBits(this.version);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >>> i) & 1) === 1;
      const a = this.size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      this.set(b, a, dark);
      this.set(a, b, dark);
    }
  }

  /** Two-column zigzag from the bottom right, skipping the vertical timing column. */
  placeData(codewords: readonly number[]): void {
    const totalBits = codewords.length * 8;
    let index = 0;
    for (let right = this.size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      const upward = ((right + 1) & 2) === 0;
      for (let step = 0; step < this.size; step++) {
        const row = upward ? this.size - 1 - step : step;
        for (let j = 0; j < 2; j++) {
          const col = right - j;
          if (this.reserved[row][col] || index >= totalBits) continue;
          this.dark[row][col] = ((codewords[index >>> 3] >>> (7 - (index & 7))) & 1) === 1;
          index++;
        }
      }
    }
  }

  withMask(mask: number): Grid {
    const copy = new Grid(this.version, this);
    const test = MASKS[mask];
    for (let r = 0; r < this.size; r++) {
      for (let c = 0; c < this.size; c++) if (!this.reserved[r][c] && test(r, c)) copy.dark[r][c] = !copy.dark[r][c];
    }
    copy.drawFormat(mask);
    return copy;
  }

  /** The standard's four penalty rules; the lowest-penalty mask is the easiest to scan. */
  penalty(): number {
    const n = this.size;
    const rows = this.dark;
    const cols = Array.from({ length: n }, (_, c) => rows.map((row) => row[c]));
    let score = 0;
    for (const line of [...rows, ...cols]) score += runPenalty(line) + finderLikePenalty(line);
    for (let r = 0; r < n - 1; r++) {
      for (let c = 0; c < n - 1; c++) {
        const v = rows[r][c];
        if (rows[r][c + 1] === v && rows[r + 1][c] === v && rows[r + 1][c + 1] === v) score += 3;
      }
    }
    const darkCount = rows.reduce((sum, row) => sum + row.filter(Boolean).length, 0);
    score += Math.floor(Math.abs((darkCount * 100) / (n * n) - 50) / 5) * 10;
    return score;
  }
}

function runPenalty(line: readonly boolean[]): number {
  let score = 0;
  let run = 1;
  for (let i = 1; i <= line.length; i++) {
    if (i < line.length && line[i] === line[i - 1]) {
      run++;
      continue;
    }
    if (run >= 5) score += 3 + (run - 5);
    run = 1;
  }
  return score;
}

const FINDER_LIKE = [true, false, true, true, true, false, true];

function finderLikePenalty(line: readonly boolean[]): number {
  let score = 0;
  const lightAt = (i: number) => i < 0 || i >= line.length || !line[i];
  for (let i = 0; i + 7 <= line.length; i++) {
    if (!FINDER_LIKE.every((v, k) => line[i + k] === v)) continue;
    const lightBefore = [1, 2, 3, 4].every((k) => lightAt(i - k));
    const lightAfter = [0, 1, 2, 3].every((k) => lightAt(i + 7 + k));
    if (lightBefore || lightAfter) score += 40;
  }
  return score;
}

/** An SVG drawing of the code with the 4-module quiet zone, one path, crisp at any size. */
export function qrToSvg(code: QrCode, title: string): string {
  const quiet = 4;
  const dim = code.size + 2 * quiet;
  let path = '';
  code.modules.forEach((row, r) => row.forEach((dark, c) => {
    if (dark) path += `M${c + quiet} ${r + quiet}h1v1h-1z`;
  }));
  const escaped = title.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${dim} ${dim}" shape-rendering="crispEdges" role="img"><title>${escaped}</title><rect width="${dim}" height="${dim}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}
