import { describe } from 'node:test';
import { openPGliteTestDatabase, openPostgresTestDatabase } from '../testing/test-databases.js';
import { repositorySuite } from './repositories.suite.js';

describe('repositories on real Postgres (127.0.0.1:5432/test, throw-away schema)', () => {
  repositorySuite(openPostgresTestDatabase);
});

describe('repositories on PGlite (in memory)', () => {
  repositorySuite(openPGliteTestDatabase);
});
