/**
 * The gateway's answer when a store cannot be reached mid-request (found by the Postgres restart
 * test: a refused connection answered 500 InternalServerError). Connection failures and Postgres
 * shutdown codes are "try again": REST 503 with Retry-After, AWS JSON ThrottlingException; other
 * errors stay internal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toWireError } from '@facerec/gateway';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test('a refused or cut database connection is a retryable 503, with its details hidden', () => {
  const cases = [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('connection failure', '08006'),
    new Error('Connection terminated unexpectedly'),
  ];
  for (const error of cases) {
    const wire = toWireError(error);
    assert.deepEqual(
      { name: wire.name, aws: wire.awsStatus, rest: wire.restStatus, retry: (wire.retryAfterSeconds ?? 0) >= 1 },
      { name: 'ThrottlingException', aws: 500, rest: 503, retry: true },
      error.message,
    );
    assert.doesNotMatch(wire.message, /ECONNREFUSED|5432|administrator|terminated/);
  }
});

test('other unexpected errors stay InternalServerError', () => {
  for (const error of [new Error('boom'), withCode('duplicate key value violates unique constraint', '23505')]) {
    const wire = toWireError(error);
    assert.deepEqual({ name: wire.name, rest: wire.restStatus }, { name: 'InternalServerError', rest: 500 });
  }
});
