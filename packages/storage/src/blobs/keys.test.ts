import assert from 'node:assert/strict';
import { test } from 'node:test';
import { albumPhotoKey, studioObjectKey } from './keys.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const ALBUM = '22222222-2222-4222-8222-222222222222';
const IMAGE = '33333333-3333-4333-8333-333333333333';

test('a studio names its album photos and its own objects relative to its root', () => {
  assert.equal(studioObjectKey(TENANT, `albums/${ALBUM}/${IMAGE}`), albumPhotoKey(TENANT, ALBUM, IMAGE));
  assert.equal(studioObjectKey(TENANT, 'events/2026/guest.jpg'), `tenants/${TENANT}/events/2026/guest.jpg`);
  // Not an album photo's shape: just a name in the studio's own space.
  assert.equal(studioObjectKey(TENANT, `albums/${ALBUM}`), `tenants/${TENANT}/albums/${ALBUM}`);
});

test('names that would leave the studio\'s root are refused', () => {
  for (const name of ['', '/etc/passwd', '../other/x.jpg', 'a/../../x', 'a//b', 'a\\b', 'a\0b', './a', 'x'.repeat(1025)]) {
    assert.equal(studioObjectKey(TENANT, name), undefined, JSON.stringify(name.slice(0, 40)));
  }
});
