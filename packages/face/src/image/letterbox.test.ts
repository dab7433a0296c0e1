import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { letterbox, tilesOfSize, toImageX, toImageY, type Region } from './letterbox.js';

describe('tilesOfSize', () => {
  const covers = (tiles: Region[], width: number, height: number): boolean => {
    for (let y = 0; y < height; y += 7) {
      for (let x = 0; x < width; x += 7) {
        if (!tiles.some((t) => x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height)) return false;
      }
    }
    return true;
  };

  test('one tile when the image already fits', () => {
    assert.deepEqual(tilesOfSize(800, 600, 1000, 100), [{ x: 0, y: 0, width: 800, height: 600 }]);
  });

  test('a 24 MP frame decoded to 2560 px in tiles of at most 819 px overlapping by ≥ 100 px', () => {
    const tiles = tilesOfSize(2560, 1707, 819, 100);
    assert.equal(tiles.length, 12);
    assert.ok(tiles.every((t) => t.width <= 819 && t.height <= 819 && t.x + t.width <= 2560 && t.y + t.height <= 1707));
    assert.ok(covers(tiles, 2560, 1707));
    const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i - 1] + 819 - xs[i] >= 100, `columns ${i - 1} and ${i} overlap by less than 100 px`);
  });

  test('overlap is capped at half a tile so the layout always advances', () => {
    const tiles = tilesOfSize(1000, 300, 300, 10_000);
    assert.ok(tiles.length <= 6);
    assert.ok(covers(tiles, 1000, 300));
  });
});

describe('letterbox', () => {
  const img = { data: new Uint8Array(40 * 20 * 3).fill(200), width: 40, height: 20 };

  test('centres the region and maps detector coordinates back to image pixels', async () => {
    const { tensor, placement } = await letterbox(img, { x: 0, y: 0, width: 40, height: 20 }, 20);
    assert.equal(placement.scale, 0.5);
    assert.equal(placement.offsetY, 5);
    assert.equal(tensor[0], 0);
    assert.equal(tensor[(10 * 20 + 10) * 3], 200);
    assert.equal(toImageX(placement, 1), 40);
    assert.equal(toImageY(placement, 0.25), 0);
  });

  test('applies the input range to pixels and to the black border alike', async () => {
    const { tensor } = await letterbox(img, { x: 0, y: 0, width: 40, height: 20 }, 20, 1, { scale: 1 / 127.5, offset: -1 });
    assert.equal(tensor[0], -1);
    assert.ok(Math.abs(tensor[(10 * 20 + 10) * 3] - (200 / 127.5 - 1)) < 1e-6);
  });
});
