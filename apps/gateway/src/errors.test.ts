import { test } from 'node:test';
import assert from 'node:assert/strict';
import multer from 'multer';
import { FacerecError } from '@facerec/core';
import { CollectionNotFoundError, SchemaBehindError, SecretDecryptionError, UserAlreadyExistsError } from '@facerec/db';
import { GatewayError, toWireError } from './errors.js';

test('domain kinds map to Rekognition names with AWS and REST statuses', () => {
  const notFound = toWireError(new FacerecError('ResourceNotFound', 'The collection id: c does not exist'));
  assert.deepEqual(notFound, { name: 'ResourceNotFoundException', message: 'The collection id: c does not exist', awsStatus: 400, restStatus: 404, fault: false });
  const throttled = toWireError(new FacerecError('Throttled', 'queue full'));
  assert.equal(throttled.name, 'ProvisionedThroughputExceededException');
  assert.equal(throttled.restStatus, 429);
  assert.equal(throttled.retryAfterSeconds, 1);
});

test('db codes map like the kinds they mean', () => {
  assert.equal(toWireError(new CollectionNotFoundError('c')).name, 'ResourceNotFoundException');
  assert.equal(toWireError(new UserAlreadyExistsError('u')).restStatus, 409);
  assert.equal(toWireError(new UserAlreadyExistsError('u')).name, 'ConflictException');
});

test('server faults hide their message from clients', () => {
  const wire = toWireError(new SecretDecryptionError('FRK1', new Error('bad key')));
  assert.equal(wire.name, 'InternalServerError');
  assert.equal(wire.awsStatus, 500);
  assert.equal(wire.fault, true);
  assert.doesNotMatch(wire.message, /FRK1/);
  assert.equal(toWireError(new SchemaBehindError(['0002_x'])).name, 'InternalServerError');
  assert.equal(toWireError('a thrown string').name, 'InternalServerError');
});

test('gateway errors keep their names; auth errors are 400 on AWS and 401 on REST', () => {
  const wire = toWireError(new GatewayError('InvalidSignatureException', 'mismatch'));
  assert.equal(wire.name, 'InvalidSignatureException');
  assert.equal(wire.awsStatus, 400);
  assert.equal(wire.restStatus, 401);
});

test('multer and body-parser errors become image/parameter errors', () => {
  assert.equal(toWireError(new multer.MulterError('LIMIT_FILE_SIZE', 'file')).restStatus, 413);
  assert.equal(toWireError(new multer.MulterError('LIMIT_UNEXPECTED_FILE', 'other')).name, 'InvalidParameterException');
  const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });
  assert.equal(toWireError(tooLarge).name, 'ImageTooLargeException');
  const parse = Object.assign(new Error('Unexpected token'), { type: 'entity.parse.failed', status: 400 });
  assert.equal(toWireError(parse).name, 'SerializationException');
});

test('vector index failures are retryable unavailability', () => {
  const wire = toWireError(Object.assign(new Error('pinecone down'), { code: 'VectorIndex' }));
  assert.equal(wire.name, 'ThrottlingException');
  assert.equal(wire.restStatus, 503);
});
