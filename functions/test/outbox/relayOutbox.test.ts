import fc from 'fast-check';
import { sql } from 'slonik';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { createDisabledPublisher } from '../../src/outbox/disabledPublisher';
import { logs } from '../../src/outbox/logs';
import { publishOutboxRow } from '../../src/outbox/publishOutboxRow';
import { relayOutbox, type RelayOptions } from '../../src/outbox/relayOutbox';
import type { TestDatabase } from '../support/testDatabase';
import { clearOutbox, useOutboxDatabase, insertOutboxRows, makeAllDue, outboxRows } from './outboxFixtures';
import { streakEvent } from '../support/streakEvent';

// Tiny backoff so recovery tests need no waiting; the backoff test sets its own.
const fast: RelayOptions = { batchSize: 50, publishTimeoutMs: 500, backoff: { baseMs: 1, maxMs: 1 } };

describe('relayOutbox', () => {
  let db: TestDatabase;
  useOutboxDatabase((created) => (db = created));

  it('publishes the newest version of each user once and marks the older rows superseded', async () => {
    await insertOutboxRows(db.pool, [
      { userId: 'ada', version: 1 },
      { userId: 'bob', version: 1 },
      { userId: 'ada', version: 2 },
      { userId: 'ada', version: 3 },
    ]);
    const publisher = new InMemoryPublisher();
    const summary = await relayOutbox(db.pool, publisher, fast);
    expect(summary).toMatchObject({ enabled: true, claimed: 4, published: 2, superseded: 2, failed: 0 });
    expect(publisher.published).toEqual(expect.arrayContaining([streakEvent('ada', 3), streakEvent('bob', 1)]));
    expect(publisher.published).toHaveLength(2);
    expect((await outboxRows(db.pool)).map((r) => [r.userId, r.version, r.published, r.superseded, r.attempts])).toEqual([
      ['ada', 1, false, true, 0],
      ['ada', 2, false, true, 0],
      ['ada', 3, true, false, 1],
      ['bob', 1, true, false, 1],
    ]);
  });

  it('coalesces 1,000 versions of one user into one publish per pass, whatever the batch size', async () => {
    await insertOutboxRows(db.pool, Array.from({ length: 1000 }, (_, i) => ({ userId: 'ada', version: i + 1 })));
    const publisher = new InMemoryPublisher();
    const summary = await relayOutbox(db.pool, publisher, { ...fast, batchSize: 10 });
    expect(publisher.published).toEqual([streakEvent('ada', 1000)]);
    expect(summary).toMatchObject({ batches: 1, claimed: 1000, published: 1, superseded: 999 });
    await expect(relayOutbox(db.pool, publisher, fast)).resolves.toMatchObject({ claimed: 0 });
  });

  it('works through a backlog larger than one batch in a single pass', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({ userId: `user-${i}`, version: 1 }));
    await insertOutboxRows(db.pool, rows);
    const publisher = new InMemoryPublisher();
    const summary = await relayOutbox(db.pool, publisher, { ...fast, batchSize: 25 });
    expect(summary).toMatchObject({ batches: 5, published: 120 });
    expect(new Set(publisher.published.map((e) => e.userId)).size).toBe(120);
  });

  it('stops after maxBatches so one invocation always ends', async () => {
    await insertOutboxRows(db.pool, Array.from({ length: 30 }, (_, i) => ({ userId: `user-${i}`, version: 1 })));
    const summary = await relayOutbox(db.pool, new InMemoryPublisher(), { ...fast, batchSize: 10, maxBatches: 2 });
    expect(summary).toMatchObject({ batches: 2, published: 20 });
    expect((await outboxRows(db.pool)).filter((r) => !r.published)).toHaveLength(10);
  });

  it('ends every user at its newest version, published exactly once, after a publisher that failed the first K times recovers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 })
          .chain((versionsPerUser) => {
            const rows = versionsPerUser.flatMap((n, u) => Array.from({ length: n }, (_, v) => ({ userId: `u${u}`, version: v + 1 })));
            // Insertion order (hence row ids) is shuffled: the relay must not rely on ids following versions.
            return fc.tuple(fc.constant(versionsPerUser), fc.shuffledSubarray(rows, { minLength: rows.length }));
          }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async ([versionsPerUser, rows], failures, batchSize) => {
          await clearOutbox(db.pool);
          await insertOutboxRows(db.pool, rows);
          const publisher = new InMemoryPublisher().failNext(failures);
          for (let pass = 0; pass < 100; pass++) {
            await makeAllDue(db.pool);
            const summary = await relayOutbox(db.pool, publisher, { ...fast, batchSize, maxBatches: 3 });
            if (summary.claimed === 0) break;
          }
          const state = await outboxRows(db.pool);
          expect(state.filter((r) => !r.published && !r.superseded)).toEqual([]);
          versionsPerUser.forEach((n, u) => {
            // Everything was in the outbox before the first pass, so no older version is ever sent.
            expect(publisher.publishedFor(`u${u}`)).toEqual([streakEvent(`u${u}`, n)]);
            expect(state.find((r) => r.userId === `u${u}` && r.version === n)).toMatchObject({ published: true });
          });
          expect(publisher.attempts.length).toBe(versionsPerUser.length + failures);
          const attemptsRecorded = state.reduce((sum, r) => sum + r.attempts, 0);
          expect(attemptsRecorded).toBe(publisher.attempts.length);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('backs a failing user off exponentially, recording attempts and the last error, with its older rows waiting too', async () => {
    await insertOutboxRows(db.pool, [
      { userId: 'ada', version: 1 },
      { userId: 'ada', version: 2 },
    ]);
    const publisher = new InMemoryPublisher().failNext(3, () => new Error('DEADLINE_EXCEEDED'));
    const options: RelayOptions = { ...fast, backoff: { baseMs: 10_000, maxMs: 25_000 } };
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await relayOutbox(db.pool, publisher, options);
      const [older, newest] = await outboxRows(db.pool);
      expect(newest).toMatchObject({ attempts: attempt, lastError: 'Error: DEADLINE_EXCEEDED', published: false });
      expect(older).toMatchObject({ attempts: 0, lastError: null, published: false, superseded: false });
      expect(Math.abs(older.dueInMs - newest.dueInMs)).toBeLessThan(1000);
      waits.push(newest.dueInMs);
      // Not due yet: a pass right now leaves the user alone.
      await expect(relayOutbox(db.pool, publisher, options)).resolves.toMatchObject({ claimed: 0 });
      await makeAllDue(db.pool);
    }
    expect(waits[0]).toBeGreaterThan(9_000);
    expect(waits[0]).toBeLessThanOrEqual(10_000);
    expect(waits[1]).toBeGreaterThan(19_000);
    expect(waits[1]).toBeLessThanOrEqual(20_000);
    expect(waits[2]).toBeGreaterThan(24_000);
    expect(waits[2]).toBeLessThanOrEqual(25_000);
    expect(logs.relayPublishFailed).toHaveBeenCalledTimes(3);

    await relayOutbox(db.pool, publisher, options);
    expect(publisher.published).toEqual([streakEvent('ada', 2)]);
    expect((await outboxRows(db.pool)).map((r) => [r.version, r.published, r.superseded, r.attempts])).toEqual([
      [1, false, true, 0],
      [2, true, false, 4],
    ]);
  });

  it('records a publish that is not acknowledged in time as a failed attempt', async () => {
    await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const publisher = new InMemoryPublisher().hangNext(1);
    const summary = await relayOutbox(db.pool, publisher, { ...fast, publishTimeoutMs: 100, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    publisher.releaseHung();
    expect(summary).toMatchObject({ published: 0, failed: 1 });
    expect((await outboxRows(db.pool))[0].lastError).toContain('did not acknowledge within 100 ms');
  });

  it('supersedes pending rows without publishing when a newer version of the user was already published', async () => {
    const [, , v3] = await insertOutboxRows(db.pool, [
      { userId: 'ada', version: 1 },
      { userId: 'ada', version: 2 },
      { userId: 'ada', version: 3 },
    ]);
    const publisher = new InMemoryPublisher();
    await publishOutboxRow(db.pool, publisher, v3, 1000);
    const summary = await relayOutbox(db.pool, publisher, fast);
    expect(summary).toMatchObject({ claimed: 2, published: 0, superseded: 2 });
    expect(publisher.published.map((e) => e.version)).toEqual([3]);
  });

  it('still publishes a newer version that arrives after an older one was published', async () => {
    await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const publisher = new InMemoryPublisher();
    await relayOutbox(db.pool, publisher, fast);
    await insertOutboxRows(db.pool, [{ userId: 'ada', version: 2 }]);
    await relayOutbox(db.pool, publisher, fast);
    expect(publisher.published.map((e) => e.version)).toEqual([1, 2]);
  });

  it('skips rows that publishOutboxRow is publishing right now', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const slow = new InMemoryPublisher().hangNext(1);
    const inFlight = publishOutboxRow(db.pool, slow, id, 300);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const relayPublisher = new InMemoryPublisher();
    await expect(relayOutbox(db.pool, relayPublisher, fast)).resolves.toMatchObject({ claimed: 0 });
    await expect(inFlight).resolves.toBe('left-for-relay');
    slow.releaseHung();
    expect(relayPublisher.attempts).toHaveLength(0);
  });

  it('backs off a row whose payload is not a StreakEvent and still publishes the other users', async () => {
    await insertOutboxRows(db.pool, [
      { userId: 'ada', version: 1, payload: { nonsense: true } },
      { userId: 'bob', version: 1 },
    ]);
    const publisher = new InMemoryPublisher();
    const summary = await relayOutbox(db.pool, publisher, { ...fast, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    expect(summary).toMatchObject({ published: 1, failed: 1 });
    expect(publisher.published).toEqual([streakEvent('bob', 1)]);
    const [ada] = await outboxRows(db.pool);
    expect(ada.lastError).toMatch(/^invalid payload: /);
    expect(logs.invalidOutboxPayload).toHaveBeenCalledTimes(1);
  });

  it('claims nothing when publishing is switched off, leaving every row pending', async () => {
    await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    await expect(relayOutbox(db.pool, createDisabledPublisher('test'), fast)).resolves.toMatchObject({ enabled: false, claimed: 0 });
    expect(await outboxRows(db.pool)).toMatchObject([{ published: false, superseded: false, attempts: 0 }]);
    const due = await db.pool.oneFirst(sql.unsafe`select count(*)::int from streak_outbox where next_attempt_at <= now()`);
    expect(due).toBe(1);
  });
});
