import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SecretBox, hashSecret, secretMatchesHash } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.generateKey());

  test('round-trips a secret and binds it to its associated data', () => {
    const sealed = box.seal('s3cr3t', 'AKID1');
    assert.equal(box.open(sealed, 'AKID1'), 's3cr3t');
    assert.throws(() => box.open(sealed, 'AKID2'));
  });

  test('refuses a tampered ciphertext and a different key', () => {
    const sealed = box.seal('s3cr3t', 'AKID1');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    assert.throws(() => box.open(tampered, 'AKID1'));
    assert.throws(() => new SecretBox(SecretBox.generateKey()).open(sealed, 'AKID1'));
  });

  test('accepts hex or base64 keys of 32 bytes only', () => {
    assert.doesNotThrow(() => new SecretBox('ab'.repeat(32)));
    assert.throws(() => new SecretBox('abcd'), /32 bytes/);
  });

  test('hash comparison', () => {
    const hash = hashSecret('abc');
    assert.equal(secretMatchesHash('abc', hash), true);
    assert.equal(secretMatchesHash('abd', hash), false);
  });
});
