import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { openPGliteTestDatabase, openPostgresTestDatabase } from '@facerec/db';
import type { TestDatabase } from '@facerec/db';
import { PgTableQueue } from './pg-table-queue.js';
import { imageMessage, queueContract } from './queue.contract.js';
import { MalformedMessageError } from './queue.js';

const TABLE_QUIRKS = { visibleIncludesInFlight: false, visibilityChangeCountsAsReceive: false, keepsReasons: true, deadLetterKeepsReceiveCount: true };

// One database per backend for the whole file (PGlite takes seconds to start); every test gets
// its own logical queue name in the shared table.
function sharedDatabase(open: () => Promise<TestDatabase>): () => Promise<TestDatabase> {
  let database: Promise<TestDatabase> | undefined;
  after(async () => {
    await (await database)?.dispose();
  });
  return () => (database ??= open());
}

const postgres = sharedDatabase(() => openPostgresTestDatabase());
const pglite = sharedDatabase(() => openPGliteTestDatabase());

for (const [label, database] of [
  ['Postgres', postgres],
  ['PGlite', pglite],
] as const) {
  describe(`Queue contract: PgTableQueue on ${label}`, () => {
    queueContract({
      quirks: TABLE_QUIRKS,
      open: async ({ maxReceives }) => {
        const queue = new PgTableQueue({ db: (await database()).db, queue: `q-${randomUUID()}`, maxReceives, pollIntervalMs: 100 });
        return { queue, dispose: () => queue.close() };
      },
    });
  });
}

describe('PgTableQueue specifics', () => {
  test('queues sharing the table do not see each other’s messages', async () => {
    const { db } = await pglite();
    const a = new PgTableQueue({ db, queue: `a-${randomUUID()}`, maxReceives: 3 });
    const b = new PgTableQueue({ db, queue: `b-${randomUUID()}`, maxReceives: 3 });
    await a.send([imageMessage(1)]);
    assert.deepEqual(await b.receive({ max: 10, waitSeconds: 0, visibilityTimeoutSeconds: 30 }), []);
    assert.equal((await a.receive({ max: 10, waitSeconds: 0, visibilityTimeoutSeconds: 30 })).length, 1);
  });

  test('a superseded receipt cannot delete the message its new holder has', async () => {
    const { db } = await pglite();
    const queue = new PgTableQueue({ db, queue: `s-${randomUUID()}`, maxReceives: 5, pollIntervalMs: 100 });
    await queue.send([imageMessage(1)]);
    const [first] = await queue.receive({ max: 1, waitSeconds: 0, visibilityTimeoutSeconds: 1 });
    const [second] = await queue.receive({ max: 1, waitSeconds: 5, visibilityTimeoutSeconds: 30 });
    await queue.delete([first.receipt]);
    assert.equal((await queue.stats()).inFlight, 1);
    await queue.delete([second.receipt]);
    assert.equal((await queue.stats()).inFlight, 0);
  });

  test('a body that is not an ImageMessage is MalformedMessageError', async () => {
    const { db } = await pglite();
    const name = `m-${randomUUID()}`;
    await db.insertInto('image_queue').values({ queue: name, body: JSON.stringify({ albumId: 1 }) }).execute();
    const queue = new PgTableQueue({ db, queue: name, maxReceives: 3 });
    await assert.rejects(queue.receive({ max: 1, waitSeconds: 0, visibilityTimeoutSeconds: 30 }), MalformedMessageError);
  });

  test('maxReceives must be a positive integer', () => {
    assert.throws(() => new PgTableQueue({ db: undefined as never, maxReceives: 0 }), RangeError);
  });
});
