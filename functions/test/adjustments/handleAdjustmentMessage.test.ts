import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { handleAdjustmentMessage, MAX_RETRY_AGE_MS, type AdjustmentDependencies } from '../../src/adjustments/handleAdjustmentMessage';
import { logs } from '../../src/adjustments/logs';
import { ConfigError, readConfig } from '../../src/config';
import { DatabaseUnavailableError } from '../../src/db/errors';
import { connect, type Database } from '../../src/db/pool';
import { listAdjustments } from '../../src/db/streakAdjustments';
import { readStreak } from '../../src/db/userStreaks';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import type { Runtime } from '../../src/runtime';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { changedTables, countAllRows } from '../support/tableRows';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// The streak-adjustments handler on a real database: a grant bridges a gap once however often it is
// delivered, a revoke undoes it, refusals and malformed messages are acknowledged (a redelivery cannot
// change them), and only an unavailable database makes Pub/Sub deliver the message again.

const NOW = Date.parse('2025-03-10T12:00:00Z');
const QUALIFY = 1800;
// A qualifying session on DAY1 and on DAY3: two runs of one, with DAY2 missed between them.
const DAY1 = '2025-03-03';
const DAY2 = '2025-03-04';
const DAY3 = '2025-03-05';

let db: TestDatabase;
let runtime: Runtime;
let deps: AdjustmentDependencies & { runtime: jest.Mock };
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  runtime = { config: readConfig({ ...process.env }), db, publisher: new InMemoryPublisher(), now: () => NOW };
});
beforeEach(() => {
  silenceLogs(logs);
  deps = { runtime: jest.fn(async () => runtime) };
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  await db.close();
});

const handle = (data: unknown, options?: Parameters<typeof messageEvent>[1]) => handleAdjustmentMessage(messageEvent(data, options), deps);
const grant = (userId: string, fields: Record<string, unknown> = {}) => ({ adjustmentId: `grant-${userId}`, userId, kind: 'grant-freezes', count: 1, effectiveFrom: DAY1, reason: 'purchase p-1', ...fields });
const revoke = (userId: string, revokes: string, fields: Record<string, unknown> = {}) => ({ adjustmentId: `revoke-${userId}`, userId, kind: 'revoke', revokes, reason: 'refund p-1', ...fields });

/** A user with a qualifying 40-minute session on DAY1 and on DAY3 (QUALIFY is 30 minutes). */
async function seededUser(): Promise<string> {
  expect(runtime.config.qualifySeconds).toBe(QUALIFY);
  const userId = `adj-${++seq}`;
  for (const [sessionId, day] of [['d1', DAY1], ['d3', DAY3]] as const) {
    const session = { startMs: Date.parse(`${day}T09:00:00Z`), endMs: Date.parse(`${day}T09:40:00Z`), timeZone: 'UTC' };
    await acceptSession(db.pool, { userId, sessionId, session, source: 'callable' }, { qualifySeconds: QUALIFY, freezeCap: runtime.config.freezeCap });
  }
  expect(await readStreak(db.pool, userId)).toMatchObject({ currentStreak: 1, longestStreak: 1, frozenDates: [] });
  return userId;
}

const outboxRows = (userId: string) => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from streak_outbox where user_id = ${userId}`);
const messageIdOf = (event: ReturnType<typeof messageEvent>) => event.data!.message!.messageId!;

describe('handleAdjustmentMessage (streak-adjustments → PostgreSQL)', () => {
  it('a grant bridges a one-date gap: recorded with the message as its actor, the streak rebuilt and its projection queued', async () => {
    const userId = await seededUser();
    const before = await readStreak(db.pool, userId);
    const queued = await outboxRows(userId);
    const event = messageEvent(grant(userId));

    const result = await handleAdjustmentMessage(event, deps);

    expect(result).toEqual({ outcome: 'applied', status: 'applied', adjustmentId: `grant-${userId}`, userId });
    const after = await readStreak(db.pool, userId);
    expect(after).toMatchObject({ currentStreak: 2, longestStreak: 2, lastQualifiedDate: DAY3, frozenDates: [DAY2], freezesAvailable: 0 });
    expect(after!.version).toBeGreaterThan(before!.version);
    expect(await outboxRows(userId)).toBe(queued + 1);
    expect(await listAdjustments(db.pool, userId)).toEqual([
      expect.objectContaining({ adjustmentId: `grant-${userId}`, kind: 'grant-freezes', count: 1, date: DAY1, reason: 'purchase p-1', actor: `topic:${messageIdOf(event)}`, revokedBy: null }),
    ]);
    expect(logs.applied).toHaveBeenCalledWith(expect.objectContaining({ messageId: messageIdOf(event), adjustmentId: `grant-${userId}`, userId, previousVersion: before!.version, version: after!.version }));
  });

  it('the same message twice counts once: a redelivery and a second publish answer duplicate and write nothing', async () => {
    const userId = await seededUser();
    const event = messageEvent(grant(userId));
    await handleAdjustmentMessage(event, deps);
    const streak = await readStreak(db.pool, userId);
    const rows = await countAllRows(db.pool);

    // Pub/Sub redelivers with the same message id; a sender that publishes again gets a new one.
    for (const again of [event, messageEvent(grant(userId))]) {
      expect(await handleAdjustmentMessage(again, deps)).toEqual({ outcome: 'unchanged', status: 'duplicate', adjustmentId: `grant-${userId}`, userId });
    }

    expect(changedTables(rows, await countAllRows(db.pool))).toEqual([]);
    expect(await readStreak(db.pool, userId)).toEqual(streak);
    expect((await listAdjustments(db.pool, userId)).map((a) => a.actor)).toEqual([`topic:${messageIdOf(event)}`]);
    expect(logs.alreadyInEffect).toHaveBeenCalledTimes(2);
    expect(logs.alreadyInEffect).toHaveBeenCalledWith(expect.objectContaining({ adjustmentId: `grant-${userId}`, status: 'duplicate' }));
  });

  it('a revoke message undoes the grant; revoking it again changes nothing and names the first revoke', async () => {
    const userId = await seededUser();
    await handle(grant(userId));
    expect(await readStreak(db.pool, userId)).toMatchObject({ currentStreak: 2, frozenDates: [DAY2] });

    expect(await handle(revoke(userId, `grant-${userId}`))).toMatchObject({ outcome: 'applied', status: 'applied' });
    expect(await readStreak(db.pool, userId)).toMatchObject({ currentStreak: 1, longestStreak: 1, frozenDates: [], freezesAvailable: 0 });
    expect(await listAdjustments(db.pool, userId)).toEqual([
      expect.objectContaining({ adjustmentId: `grant-${userId}`, revokedBy: `revoke-${userId}` }),
      expect.objectContaining({ adjustmentId: `revoke-${userId}`, kind: 'revoke', revokes: `grant-${userId}` }),
    ]);

    const streak = await readStreak(db.pool, userId);
    expect(await handle(revoke(userId, `grant-${userId}`, { adjustmentId: `revoke-again-${userId}` }))).toMatchObject({ outcome: 'unchanged', status: 'already_revoked' });
    expect(logs.alreadyInEffect).toHaveBeenCalledWith(expect.objectContaining({ status: 'already_revoked', existingId: `revoke-${userId}` }));
    expect(await readStreak(db.pool, userId)).toEqual(streak);
  });

  it('a repair message makes the missed date qualify', async () => {
    const userId = await seededUser();
    const repair = { adjustmentId: `repair-${userId}`, userId, kind: 'repair', date: DAY2, reason: 'outage 2025-03-04' };
    expect(await handle(repair)).toMatchObject({ outcome: 'applied' });
    expect(await readStreak(db.pool, userId)).toMatchObject({ currentStreak: 3, frozenDates: [] });
    expect(await handle({ ...repair, adjustmentId: `repair-again-${userId}` })).toMatchObject({ outcome: 'unchanged', status: 'already_repaired' });
  });

  /** Each refusal: what makes it (run first), then the message refused. */
  const refusals: Array<[string, (userId: string) => Promise<Record<string, unknown>>]> = [
    [
      'conflict',
      async (userId) => {
        await handle(grant(userId));
        return grant(userId, { count: 2 });
      },
    ],
    ['unknown_target', async (userId) => revoke(userId, 'no-such-adjustment')],
    [
      'not_revocable',
      async (userId) => {
        await handle(grant(userId));
        await handle(revoke(userId, `grant-${userId}`));
        return revoke(userId, `revoke-${userId}`, { adjustmentId: `revoke-the-revoke-${userId}` });
      },
    ],
    [
      'account_deleted',
      async (userId) => {
        await db.pool.query(sql.unsafe`insert into deleted_users (user_id, account_deleted_at) values (${userId}, now())`);
        return grant(userId);
      },
    ],
  ];

  it.each(refusals)('answers %s with a warning that says why, acknowledged and without writing', async (status, setUp) => {
    const userId = await seededUser();
    const message = await setUp(userId);
    const rows = await countAllRows(db.pool);
    const streak = await readStreak(db.pool, userId);

    const result = await handle(message);

    expect(result).toMatchObject({ outcome: 'refused', status, userId });
    expect(logs.refused).toHaveBeenCalledWith(expect.objectContaining({ status, reason: expect.stringMatching(/\w+ \w+/) }));
    expect(changedTables(rows, await countAllRows(db.pool))).toEqual([]);
    expect(await readStreak(db.pool, userId)).toEqual(streak);
  });

  it('logs and drops malformed messages without asking for the database or touching a table', async () => {
    const userId = await seededUser();
    const rows = await countAllRows(db.pool);
    const bad: Array<[string, unknown]> = [
      ['not-json', 'not json'],
      ['not-json', ''],
      ['invalid-adjustment', {}],
      ['invalid-adjustment', [grant(userId)]],
      ['invalid-adjustment', grant(userId, { kind: 'gift' })],
      ['invalid-adjustment', grant(userId, { count: 0 })],
      ['invalid-adjustment', grant(userId, { count: 101 })],
      ['invalid-adjustment', grant(userId, { count: 1.5 })],
      ['invalid-adjustment', grant(userId, { count: '1' })],
      ['invalid-adjustment', grant(userId, { count: undefined })],
      ['invalid-adjustment', grant(userId, { effectiveFrom: undefined })],
      ['invalid-adjustment', grant(userId, { effectiveFrom: '2025-02-30' })],
      ['invalid-adjustment', grant(userId, { effectiveFrom: '2025-3-3' })],
      ['invalid-adjustment', grant(userId, { effectiveFrom: '0001-01-01' })],
      ['invalid-adjustment', grant(userId, { date: DAY2 })],
      ['invalid-adjustment', grant(userId, { revokes: 'x' })],
      ['invalid-adjustment', { adjustmentId: 'r', userId, kind: 'repair', date: DAY2, count: 1, reason: 'r' }],
      ['invalid-adjustment', { adjustmentId: 'r', userId, kind: 'repair', reason: 'r' }],
      ['invalid-adjustment', { adjustmentId: 'v', userId, kind: 'revoke', reason: 'r' }],
      ['invalid-adjustment', revoke(userId, `grant-${userId}`, { date: DAY2 })],
      ['invalid-adjustment', grant(userId, { adjustmentId: '' })],
      ['invalid-adjustment', grant(userId, { adjustmentId: 'a/b' })],
      ['invalid-adjustment', grant(userId, { adjustmentId: 'x'.repeat(129) })],
      ['invalid-adjustment', grant(userId, { userId: 'a/b' })],
      ['invalid-adjustment', grant(userId, { userId: undefined })],
      ['invalid-adjustment', grant(userId, { reason: '' })],
      ['invalid-adjustment', grant(userId, { reason: 'x'.repeat(501) })],
      ['invalid-adjustment', grant(userId, { reason: 'nul \u0000' })],
      ['invalid-adjustment', grant(userId, { actor: 'cli:admin' })],
    ];
    for (const [reason, data] of bad) {
      expect({ data, result: await handle(data) }).toEqual({ data, result: { outcome: 'malformed', reason } });
    }
    // A valid adjustment in an envelope without the message id its actor is made of.
    const noId = messageEvent(grant(userId));
    delete noId.data!.message!.messageId;
    expect(await handleAdjustmentMessage(noId, deps)).toEqual({ outcome: 'malformed', reason: 'no-message-id' });
    for (const envelope of [{}, { data: {} }, { data: { message: null as never } }]) {
      expect(await handleAdjustmentMessage(envelope, deps)).toEqual({ outcome: 'malformed', reason: 'not-json' });
    }

    expect(logs.malformedMessage).toHaveBeenCalledTimes(bad.length + 4);
    expect(deps.runtime).not.toHaveBeenCalled();
    expect(changedTables(rows, await countAllRows(db.pool))).toEqual([]);
  });

  describe('when the database cannot serve', () => {
    // An instance starting while the database is down: its pool cannot connect. Port 1 on loopback
    // refuses at once: nothing leaves this machine.
    const down: AdjustmentDependencies = {
      runtime: async () => ({ ...runtime, db: await connect(readConfig({ ...process.env }).database, 'postgresql://postgres@127.0.0.1:1/none', 'unreachable (test)') }),
    };

    it('throws, so Pub/Sub delivers the message again, until the message is a day old; then drops it with an error naming it', async () => {
      const data = grant('adj-while-down');

      await expect(handleAdjustmentMessage(messageEvent(data), down)).rejects.toThrow(/ECONNREFUSED/);
      expect(logs.retrying).toHaveBeenCalledWith(expect.objectContaining({ adjustmentId: 'grant-adj-while-down', error: expect.stringContaining('ECONNREFUSED') }));
      expect(logs.dropped).not.toHaveBeenCalled();

      // Without a runtime the message's age is judged by the wall clock.
      const old = messageEvent(data, { time: new Date(Date.now() - MAX_RETRY_AGE_MS - 60_000).toISOString() });
      expect(await handleAdjustmentMessage(old, down)).toEqual({ outcome: 'dropped' });
      expect(logs.dropped).toHaveBeenCalledWith(expect.objectContaining({ messageId: messageIdOf(old), adjustmentId: 'grant-adj-while-down', userId: 'adj-while-down', kind: 'grant-freezes' }));
      expect(await listAdjustments(db.pool, 'adj-while-down')).toEqual([]);
    });

    it('throws when a statement fails for want of the database, on an instance already connected', async () => {
      const gone = new DatabaseUnavailableError('The database is unavailable.');
      const failing = { ...runtime, db: { ...db, pool: { ...db.pool, oneFirst: () => Promise.reject(gone) } as unknown as Database['pool'] } };
      await expect(handleAdjustmentMessage(messageEvent(grant('adj-gone')), { runtime: async () => failing })).rejects.toBe(gone);
      expect(logs.retrying).toHaveBeenCalled();
    });

    it('throws while the deployment has no usable configuration (a redeploy fixes it)', async () => {
      const missing = new ConfigError(['no database configured']);
      await expect(handleAdjustmentMessage(messageEvent(grant('adj-no-config')), { runtime: () => Promise.reject(missing) })).rejects.toBe(missing);
      expect(logs.retrying).toHaveBeenCalled();
    });
  });
});
