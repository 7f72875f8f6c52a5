import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { logs } from '../../src/outbox/logs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { silenceLogs } from '../support/silenceLogs';
import { streakEvent } from '../support/streakEvent';

/** Inserts outbox rows as the write path does (pending, due now); returns their ids in order. */
export async function insertOutboxRows(db: CommonQueryMethods, rows: Array<{ userId: string; version: number; payload?: unknown }>): Promise<string[]> {
  const users = [...new Set(rows.map((r) => r.userId))];
  await db.query(sql.unsafe`insert into users (id) select * from ${sql.unnest(users.map((u) => [u]), ['text'])} on conflict do nothing`);
  const ids = await db.anyFirst(sql.unsafe`
    insert into streak_outbox (user_id, version, payload)
    select * from ${sql.unnest(
      rows.map((r) => [r.userId, r.version, JSON.stringify(r.payload ?? streakEvent(r.userId, r.version))]),
      ['text', 'int8', 'jsonb'],
    )}
    returning id`);
  return ids.map(String);
}

export const outboxRowSchema = z.object({
  id: z.coerce.string(),
  userId: z.string(),
  version: z.coerce.number(),
  published: z.boolean(),
  superseded: z.boolean(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  /** next_attempt_at - now(), in ms. */
  dueInMs: z.coerce.number(),
});
export type OutboxRowState = z.infer<typeof outboxRowSchema>;

export async function outboxRows(db: CommonQueryMethods): Promise<OutboxRowState[]> {
  const rows = await db.any(sql.unsafe`
    select id, user_id as "userId", version, published_at is not null as published, superseded_at is not null as superseded,
           attempts, last_error as "lastError", round(extract(epoch from next_attempt_at - now()) * 1000) as "dueInMs"
    from streak_outbox order by user_id, version`);
  return rows.map((r) => outboxRowSchema.parse(r));
}

export async function outboxRow(db: CommonQueryMethods, id: string): Promise<OutboxRowState> {
  const rows = await outboxRows(db);
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`no outbox row ${id}`);
  return row;
}

/** Makes every pending row due now, as if its backoff or lease had elapsed. */
export async function makeAllDue(db: CommonQueryMethods): Promise<void> {
  await db.query(sql.unsafe`update streak_outbox set next_attempt_at = now() - interval '1 millisecond' where published_at is null and superseded_at is null`);
}

export async function clearOutbox(db: CommonQueryMethods): Promise<void> {
  await db.query(sql.unsafe`truncate streak_outbox`);
}

/** The lifecycle every outbox spec needs: an isolated database per file, an empty outbox and silent logs per test. */
export function useOutboxDatabase(set: (db: TestDatabase) => void): void {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    set(db);
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await clearOutbox(db.pool);
    silenceLogs(logs);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
}
