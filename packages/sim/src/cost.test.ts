import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXAMPLE_PROFILE, monthlyCost, parseProfile, profileArrivals } from './cost.js';
import { HOURS_PER_MONTH, PRICES, rekognitionGroup1Usd } from './prices.js';
import { SimInputError } from './simulate.js';

const cost = monthlyCost({ ...EXAMPLE_PROFILE, albums: 4 });

test('albums are spread evenly over the month', () => {
  assert.deepEqual(profileArrivals({ ...EXAMPLE_PROFILE, albums: 4 }).map((a) => a.atSeconds), [0, 657000, 1314000, 1971000]);
});

test('the total is the sum of its lines; the base instance is on-demand all month', () => {
  const sum = cost.lines.reduce((s, l) => s + l.usd, 0);
  assert.ok(Math.abs(cost.total - sum) < 1e-9);
  const onDemand = cost.lines.find((l) => l.item.startsWith('workers on-demand'));
  assert.ok(onDemand);
  assert.ok(Math.abs(onDemand.usd - HOURS_PER_MONTH * PRICES.workerOnDemandHour) < 1e-6);
  assert.equal(cost.photos, 40_000);
  assert.ok(Math.abs(cost.per1000Photos - cost.total / 40) < 1e-9);
});

test("Rekognition: $1 per 1,000 images indexed and searched, $0.01 per 1,000 faces stored a month", () => {
  const p = { ...EXAMPLE_PROFILE, albums: 4 };
  const expected = (40_000 / 1000) * 1 + (p.selfieSearches / 1000) * 1 + ((40_000 * p.facesPerImage) / 1000) * 0.01;
  assert.ok(Math.abs(cost.rekognitionTotal - expected) < 1e-9);
});

test('every album of the example finishes within the month', () => {
  assert.ok(cost.sim.albums.every((a) => a.finishedAt !== undefined));
});

test('profiles: JSON, defaults from the example, unknown or bad fields refused', () => {
  const p = parseProfile('{"name":"small studio","albums":8,"imagesPerAlbum":2000}');
  assert.equal(p.albums, 8);
  assert.equal(p.facesPerImage, EXAMPLE_PROFILE.facesPerImage);
  assert.throws(() => parseProfile('{"album":8}'), (e: unknown) => e instanceof SimInputError && /album/.test(e.message));
  assert.throws(() => parseProfile('{"albums":"8"}'), SimInputError);
  assert.throws(() => parseProfile('{"albums":2.5}'), SimInputError);
  assert.throws(() => parseProfile('[1]'), SimInputError);
  assert.throws(() => parseProfile('not json'), SimInputError);
});

test('Rekognition Group 1 tiers: $1/1,000 up to 1M, $0.80 up to 5M', () => {
  assert.equal(rekognitionGroup1Usd(0), 0);
  assert.ok(Math.abs(rekognitionGroup1Usd(500_000) - 500) < 1e-9);
  assert.ok(Math.abs(rekognitionGroup1Usd(2_000_000) - 1800) < 1e-9);
  assert.ok(Math.abs(rekognitionGroup1Usd(6_000_000) - (1000 + 3200 + 600)) < 1e-9);
});
