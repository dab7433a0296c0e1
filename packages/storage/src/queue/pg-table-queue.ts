/**
 * Queue on a Postgres table (`image_queue`, migration 0002), for the embedded mode (PGlite) and
 * operators without SQS. Every operation is one SQL statement, never an open transaction across
 * awaits: PGlite is a single connection, so a transaction held while another caller waits for
 * the pool would deadlock it. Receiving claims rows with `FOR UPDATE SKIP LOCKED`, so concurrent
 * receivers on real Postgres each get different rows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from '@facerec/db';
import type { Database, Kysely } from '@facerec/db';
import { isUnavailable } from '../blobs/unavailable.js';
import { encodeImageMessage, toImageMessage } from './message-codec.js';
import { InvalidReceiptError, QueueUnavailableError } from './queue.js';
import type { DeadLetter, ImageMessage, Queue, QueueStats, ReceivedMessage } from './queue.js';

export interface PgTableQueueOptions {
  db: Kysely<Database>;
  /** Logical queue name inside the table (default `images`). */
  queue?: string;
  /** Receives before a message is dead-lettered (like SQS maxReceiveCount). */
  maxReceives: number;
  /** How often an empty long poll looks again (default 250 ms). */
  pollIntervalMs?: number;
}

const DEFAULT_QUEUE = 'images';
const INSERT_BATCH = 500;
const REDRIVE_PAGE = 500;
const RECEIPT = /^(\d+):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

interface Receipt {
  id: string;
  token: string;
}

export class PgTableQueue implements Queue {
  private readonly db: Kysely<Database>;
  private readonly queue: string;
  private readonly maxReceives: number;
  private readonly pollIntervalMs: number;

  constructor(options: PgTableQueueOptions) {
    if (!Number.isInteger(options.maxReceives) || options.maxReceives < 1) throw new RangeError('maxReceives must be an integer >= 1');
    this.db = options.db;
    this.queue = options.queue ?? DEFAULT_QUEUE;
    this.maxReceives = options.maxReceives;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
  }

  async send(messages: readonly ImageMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += INSERT_BATCH) {
      const rows = messages.slice(start, start + INSERT_BATCH).map((message) => ({ queue: this.queue, body: encodeImageMessage(message) }));
      await this.guard(() => this.db.insertInto('image_queue').values(rows).execute());
    }
  }

  async receive(options: { max: number; waitSeconds: number; visibilityTimeoutSeconds: number; signal?: AbortSignal }): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + Math.max(0, options.waitSeconds) * 1000;
    for (;;) {
      if (options.signal?.aborted) return [];
      const { received, killed } = await this.claim(Math.max(1, options.max), options.visibilityTimeoutSeconds);
      if (received.length > 0) return received;
      // Rows just dead-lettered may have hidden live ones behind them: look again at once.
      if (killed > 0) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      try {
        await sleep(Math.min(this.pollIntervalMs, remaining), undefined, { signal: options.signal });
      } catch {
        return [];
      }
    }
  }

  async delete(receipts: readonly string[]): Promise<void> {
    const parsed = receipts.map(parseReceipt);
    if (parsed.length === 0) return;
    // A superseded receipt deletes nothing, as with SQS: the newer receiver owns the message.
    await this.guard(() =>
      this.db
        .deleteFrom('image_queue')
        .where('queue', '=', this.queue)
        .where((eb) => eb.or(parsed.map((r) => eb.and([eb('id', '=', r.id), eb('receipt', '=', r.token)]))))
        .execute(),
    );
  }

  async extend(receipt: string, visibilityTimeoutSeconds: number): Promise<void> {
    const r = parseReceipt(receipt);
    const updated = await this.guard(() =>
      this.db
        .updateTable('image_queue')
        .set({ visible_at: sql<Date>`now() + ${visibilityTimeoutSeconds}::double precision * interval '1 second'` })
        .where('queue', '=', this.queue)
        .where('id', '=', r.id)
        .where('receipt', '=', r.token)
        .where('dead_at', 'is', null)
        .executeTakeFirst(),
    );
    if (updated.numUpdatedRows === 0n) throw new InvalidReceiptError(receipt);
  }

  async release(receipt: string, reason?: string): Promise<void> {
    const r = parseReceipt(receipt);
    // Giving back a message that is no longer ours is harmless: nothing to do.
    await this.guard(() =>
      this.db
        .updateTable('image_queue')
        .set({ visible_at: sql<Date>`now()`, ...(reason === undefined ? {} : { last_error: reason }) })
        .where('queue', '=', this.queue)
        .where('id', '=', r.id)
        .where('receipt', '=', r.token)
        .where('dead_at', 'is', null)
        .execute(),
    );
  }

  async fail(receipt: string, reason: string): Promise<void> {
    const r = parseReceipt(receipt);
    await this.guard(() =>
      this.db
        .updateTable('image_queue')
        .set({ last_error: reason })
        .where('queue', '=', this.queue)
        .where('id', '=', r.id)
        .where('receipt', '=', r.token)
        .execute(),
    );
  }

  async stats(): Promise<QueueStats> {
    const result = await this.guard(() =>
      sql<{ visible: string; in_flight: string; oldest: string | null; dead: string }>`
        select
          count(*) filter (where dead_at is null and visible_at <= now()) as visible,
          count(*) filter (where dead_at is null and visible_at > now()) as in_flight,
          extract(epoch from now() - min(created_at) filter (where dead_at is null and visible_at <= now())) as oldest,
          count(*) filter (where dead_at is not null) as dead
        from image_queue where queue = ${this.queue}`.execute(this.db),
    );
    const row = result.rows[0];
    return {
      visible: Number(row.visible),
      inFlight: Number(row.in_flight),
      oldestAgeSeconds: row.oldest === null ? 0 : Math.max(0, Number(row.oldest)),
      deadLetters: Number(row.dead),
    };
  }

  async deadLetters(max: number): Promise<DeadLetter[]> {
    const rows = await this.guard(() =>
      this.db
        .selectFrom('image_queue')
        .select(['id', 'body', 'receipt', 'last_error', 'receive_count'])
        .where('queue', '=', this.queue)
        .where('dead_at', 'is not', null)
        .orderBy('dead_at')
        .orderBy('id')
        .limit(Math.max(0, max))
        .execute(),
    );
    return rows.map((row) => ({
      body: toImageMessage(row.body),
      receipt: `${row.id}:${row.receipt ?? ''}`,
      ...(row.last_error === null ? {} : { reason: row.last_error }),
      receiveCount: row.receive_count,
    }));
  }

  async redrive(filter?: (m: ImageMessage) => boolean): Promise<number> {
    let moved = 0;
    let after = '0';
    for (;;) {
      const page = await this.guard(() =>
        this.db
          .selectFrom('image_queue')
          .select(['id', 'body'])
          .where('queue', '=', this.queue)
          .where('dead_at', 'is not', null)
          .where('id', '>', after)
          .orderBy('id')
          .limit(REDRIVE_PAGE)
          .execute(),
      );
      if (page.length === 0) return moved;
      after = page[page.length - 1].id;
      const ids = page.filter((row) => filter === undefined || filter(toImageMessage(row.body))).map((row) => row.id);
      if (ids.length === 0) continue;
      // A redriven message starts over: new receive count, no stale reason, no old receipt.
      const result = await this.guard(() =>
        this.db
          .updateTable('image_queue')
          .set({ dead_at: null, receive_count: 0, visible_at: sql<Date>`now()`, receipt: null, last_error: null })
          .where('queue', '=', this.queue)
          .where('id', 'in', ids)
          .where('dead_at', 'is not', null)
          .executeTakeFirst(),
      );
      moved += Number(result.numUpdatedRows);
    }
  }

  /** The database belongs to the caller. */
  async close(): Promise<void> {}

  /**
   * One statement: claim up to `max` ready rows, dead-letter those already received
   * `maxReceives` times, and hand out the rest with a fresh receipt.
   */
  private async claim(max: number, visibilityTimeoutSeconds: number): Promise<{ received: ReceivedMessage[]; killed: number }> {
    const result = await this.guard(() =>
      sql<{ id: string; body: unknown; receive_count: number; receipt: string | null; dead: boolean }>`
        with picked as (
          select id, receive_count from image_queue
          where queue = ${this.queue} and dead_at is null and visible_at <= now()
          order by visible_at, id
          limit ${max}
          for update skip locked
        ), killed as (
          update image_queue q set dead_at = now()
          from picked p
          where q.id = p.id and p.receive_count >= ${this.maxReceives}
          returning q.id
        ), taken as (
          update image_queue q
          set receive_count = q.receive_count + 1,
              visible_at = now() + ${visibilityTimeoutSeconds}::double precision * interval '1 second',
              receipt = gen_random_uuid()
          from picked p
          where q.id = p.id and p.receive_count < ${this.maxReceives}
          returning q.id, q.body, q.receive_count, q.receipt::text as receipt
        )
        select id, body, receive_count, receipt, false as dead from taken
        union all
        select id, null, 0, null, true from killed`.execute(this.db),
    );
    const received: ReceivedMessage[] = [];
    let killed = 0;
    for (const row of result.rows.sort((a, b) => compareIds(a.id, b.id))) {
      if (row.dead) {
        killed++;
        continue;
      }
      received.push({ body: toImageMessage(row.body), receipt: `${row.id}:${row.receipt ?? ''}`, receiveCount: row.receive_count });
    }
    return { received, killed };
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw new QueueUnavailableError(`Queue table unavailable: ${describe(error)}`, { cause: error });
      throw error;
    }
  }
}

function parseReceipt(receipt: string): Receipt {
  const match = RECEIPT.exec(receipt);
  if (match === null) throw new InvalidReceiptError(receipt);
  return { id: match[1], token: match[2] };
}

/** bigint ids arrive as decimal strings. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Network failures, and Postgres connection exceptions (08xxx) or shutdowns (57P0x). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isUnavailable(error)) return true;
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P'))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error/i.test(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
