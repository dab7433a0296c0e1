import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, envBoolean, envEnum, envNumber, envString } from './env.js';

test('envNumber reads, defaults and rejects out-of-range or non-numeric values with the variable name', () => {
  assert.equal(envNumber({ A: '3' }, 'A', 1), 3);
  assert.equal(envNumber({}, 'A', 1), 1);
  assert.equal(envNumber({ A: '  ' }, 'A', 7), 7);
  assert.throws(() => envNumber({ A: 'x' }, 'A', 1), (e: unknown) => e instanceof ConfigError && /A must be a number/.test(e.message));
  assert.throws(() => envNumber({ A: '0' }, 'A', 1, { min: 1 }), /A must be >= 1/);
  assert.throws(() => envNumber({ A: '1.5' }, 'A', 1, { integer: true }), /integer/);
});

test('envBoolean, envEnum and envString', () => {
  assert.equal(envBoolean({ B: 'yes' }, 'B', false), true);
  assert.equal(envBoolean({ B: '0' }, 'B', true), false);
  assert.throws(() => envBoolean({ B: 'maybe' }, 'B', true), /B must be true or false/);
  assert.equal(envEnum({ M: 'fast' }, 'M', ['fast', 'slow'], 'slow'), 'fast');
  assert.throws(() => envEnum({ M: 'x' }, 'M', ['fast', 'slow'], 'slow'), /one of fast, slow/);
  assert.equal(envString({}, 'S', 'd'), 'd');
});
