import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { encodeQr, formatBits, QrTooLongError, qrToSvg, reedSolomon, versionBits } from './qr.js';

describe('QR encoder', () => {
  test('Reed-Solomon matches the published 1-M "HELLO WORLD" example', () => {
    const data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];
    assert.deepEqual(reedSolomon(data, 10), [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  });

  test('format bits for level M match the standard table', () => {
    const table = ['101010000010010', '101000100100101', '101111001111100', '101101101001011', '100010111111001', '100000011001110', '100111110010111', '100101010100000'];
    table.forEach((bits, mask) => assert.equal(formatBits(mask).toString(2).padStart(15, '0'), bits));
  });

  test('version 7 information bits match the standard table', () => {
    assert.equal(versionBits(7).toString(2).padStart(18, '0'), '000111110010010100');
  });

  test('picks the smallest version that fits and draws the three finder patterns', () => {
    assert.equal(encodeQr('a'.repeat(14)).version, 1);
    assert.equal(encodeQr('a'.repeat(15)).version, 2);
    const code = encodeQr('http://127.0.0.1:8080/s/0123456789abcdef0123456789abcdef');
    assert.equal(code.size, 17 + 4 * code.version);
    const n = code.size;
    for (const [r, c] of [[0, 0], [0, n - 7], [n - 7, 0]]) {
      const ring = [0, 1, 2, 3, 4, 5, 6].map((k) => code.modules[r][c + k]);
      assert.deepEqual(ring, [true, true, true, true, true, true, true]);
      assert.equal(code.modules[r + 1][c + 1], false);
      assert.equal(code.modules[r + 3][c + 3], true);
    }
    assert.equal(code.modules[n - 8][8], true, 'dark module');
  });

  // These exact module layouts were rendered and decoded back to their text by zbarimg (zbar-tools),
  // an independent decoder; the fixtures keep them from drifting.
  test('version 2 code matches the zbar-verified fixture', () => {
    const code = encodeQr('https://example.com/s/abc');
    assert.equal(code.version, 2);
    assert.equal(moduleString(code.modules), FIXTURE_V2);
  });

  test('version 8 code (version info, mixed block sizes, 3×3 alignment) matches the zbar-verified fixture', () => {
    const code = encodeQr(`https://studio.example.org/s/${'k'.repeat(120)}`);
    assert.equal(code.version, 8);
    assert.equal(createHash('sha256').update(moduleString(code.modules)).digest('hex'), FIXTURE_V8_SHA256);
  });

  test('refuses text longer than version 10 holds', () => {
    assert.throws(() => encodeQr('x'.repeat(214)), QrTooLongError);
    assert.equal(encodeQr('x'.repeat(213)).version, 10);
  });

  test('renders an SVG with a title', () => {
    const svg = qrToSvg(encodeQr('hi'), 'Link <to> album');
    assert.match(svg, /^<svg [^>]*viewBox="0 0 29 29"/);
    assert.match(svg, /<title>Link &lt;to> album<\/title>/);
  });
});

function moduleString(modules: boolean[][]): string {
  return modules.map((row) => row.map((d) => (d ? '1' : '0')).join('')).join('/');
}

const FIXTURE_V2 =
  '1111111011111010001111111/1000001011100000101000001/1011101010000110101011101/1011101000101100101011101/1011101010010110101011101/1000001000101010101000001/1111111010101010101111111/0000000001111101100000000/1001111111011000110010111/0110110011010111110111110/0101001110110101110111001/0010110001100010011101111/0011111000001001101100001/1100000110100101100010010/1101101110111001101011111/1010100011010000011101101/1000011110001110111110110/0000000011111100100010110/1111111011110000101010001/1000001010011101100010011/1011101011101011111110000/1011101011010010111000011/1011101001111011010011111/1000001001101011000110111/1111111011011000101001001';
const FIXTURE_V8_SHA256 = '3b811363f8143b23fdde74aecd8a4cd1d1f54d858ca5076aca750efb41dffa2a';
