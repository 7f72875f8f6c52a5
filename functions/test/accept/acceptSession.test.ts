import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession, type AcceptSessionInput } from '../../src/accept/acceptSession';
import { SessionConflictError } from '../../src/accept/SessionConflictError';
import { readStreak } from '../../src/db/userStreaks';
import { recomputeAll, type SessionTimes } from '../../src/domain';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

const QUALIFY = 30 * 60;
const H = 3_600_000;
const M = 60_000;
const at = (iso: string) => Date.parse(iso);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 20 });
});
afterAll(async () => {
  await db.close();
});

let seq = 0;
const uniqueUser = () => `user-${process.pid}-${++seq}`;
const accept = (userId: string, sessionId: string, session: SessionTimes, source: AcceptSessionInput['source'] = 'callable') =>
  acceptSession(db.pool, { userId, sessionId, session, source }, { qualifySeconds: QUALIFY });
const ny = (startIso: string, minutes: number): SessionTimes => ({
  startMs: at(startIso),
  endMs: at(startIso) + minutes * M,
  timeZone: 'America/New_York',
});

async function storedState(userId: string) {
  const credits = await db.pool.any(sql.type(z.object({ date: z.string(), seconds: z.number() }))`
    select local_date::text as date, focus_seconds as seconds from daily_focus where user_id = ${userId} and focus_seconds > 0 order by local_date`);
  const runs = await db.pool.any(sql.type(z.object({ start: z.string(), end: z.string() }))`
    select start_date::text as start, end_date::text as end from streak_runs where user_id = ${userId} order by start_date`);
  const outbox = await db.pool.any(sql.type(z.object({ version: z.coerce.number(), payload: z.any() }))`
    select version, payload from streak_outbox where user_id = ${userId} order by version`);
  return { credits, runs, outbox, streak: await readStreak(db.pool, userId) };
}

describe('acceptSession', () => {
  it('creates the user on first contact and records version 1 with one outbox row', async () => {
    const user = uniqueUser();
    const result = await accept(user, `${user}-a`, ny('2025-03-03T09:00:00-05:00', 45));
    expect(result.accepted).toBe(true);
    expect(result.streak).toMatchObject({ currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2025-03-03', qualifiedDaysCount: 1, timezone: 'America/New_York', version: 1 });
    const state = await storedState(user);
    expect(state.credits).toEqual([{ date: '2025-03-03', seconds: 45 * 60 }]);
    expect(state.runs).toEqual([{ start: '2025-03-03', end: '2025-03-03' }]);
    expect(state.outbox).toHaveLength(1);
    expect(state.outbox[0].payload).toMatchObject({ userId: user, version: 1, currentStreak: 1, streakExpiresAt: '2025-03-05T05:00:00.000Z' });
  });

  it('counts consecutive days and ignores a day below 30 minutes', async () => {
    const user = uniqueUser();
    await accept(user, `${user}-1`, ny('2025-03-03T09:00:00-05:00', 30));
    await accept(user, `${user}-2`, ny('2025-03-04T09:00:00-05:00', 30));
    const short = await accept(user, `${user}-3`, { ...ny('2025-03-05T09:00:00-05:00', 30), endMs: at('2025-03-05T09:29:59-05:00') });
    expect(short.streak).toMatchObject({ currentStreak: 2, qualifiedDaysCount: 2, version: 2 });
    expect(short.outboxId).toBeNull();
  });

  it('joins two runs when a late session fills the gap between them', async () => {
    const user = uniqueUser();
    await accept(user, `${user}-mon`, ny('2025-03-03T09:00:00-05:00', 40));
    await accept(user, `${user}-wed`, ny('2025-03-05T09:00:00-05:00', 40));
    await accept(user, `${user}-thu`, ny('2025-03-06T09:00:00-05:00', 40));
    const late = await accept(user, `${user}-tue`, ny('2025-03-04T21:00:00-05:00', 40));
    expect(late.streak).toMatchObject({ currentStreak: 4, longestStreak: 4, lastQualifiedDate: '2025-03-06', qualifiedDaysCount: 4 });
    expect((await storedState(user)).runs).toEqual([{ start: '2025-03-03', end: '2025-03-06' }]);
  });

  it('merges overlapping sessions from two devices instead of adding them', async () => {
    const user = uniqueUser();
    await accept(user, `${user}-phone`, ny('2025-03-03T09:00:00-05:00', 20));
    const tablet = await accept(user, `${user}-tablet`, ny('2025-03-03T09:05:00-05:00', 20));
    expect(tablet.streak.qualifiedDaysCount).toBe(0);
    expect((await storedState(user)).credits).toEqual([{ date: '2025-03-03', seconds: 25 * 60 }]);
  });

  it('returns the current streak with accepted false for a duplicate and changes nothing', async () => {
    const user = uniqueUser();
    const session = ny('2025-03-03T09:00:00-05:00', 45);
    await accept(user, `${user}-a`, session);
    const before = await storedState(user);
    const again = await accept(user, `${user}-a`, session, 'bridge');
    expect(again.accepted).toBe(false);
    expect(again.outboxId).toBeNull();
    expect(again.streak).toEqual(before.streak);
    expect(await storedState(user)).toEqual(before);
  });

  it('rejects the same sessionId with different content and changes nothing', async () => {
    const user = uniqueUser();
    await accept(user, `${user}-a`, ny('2025-03-03T09:00:00-05:00', 45));
    const before = await storedState(user);
    await expect(accept(user, `${user}-a`, ny('2025-03-03T09:00:00-05:00', 46))).rejects.toBeInstanceOf(SessionConflictError);
    expect(await storedState(user)).toEqual(before);
  });

  it('treats another user sending the same sessionId as a different session: accepted, and the first user keeps theirs', async () => {
    const alice = uniqueUser();
    const mallory = uniqueUser();
    // Mallory claims the id Alice will use next, with other times: neither call sees the other's session.
    const claimed = await accept(mallory, 'next-id', ny('2025-03-02T09:00:00-05:00', 10));
    expect(claimed.accepted).toBe(true);
    const own = await accept(alice, 'next-id', ny('2025-03-03T09:00:00-05:00', 45));
    expect(own).toMatchObject({ accepted: true, streak: { currentStreak: 1, version: 1 } });
    // The same content under the same id is still a duplicate for each user, never for the other.
    expect((await accept(alice, 'next-id', ny('2025-03-03T09:00:00-05:00', 45))).accepted).toBe(false);
    expect((await accept(mallory, 'next-id', ny('2025-03-02T09:00:00-05:00', 10))).accepted).toBe(false);
    await expect(accept(mallory, 'next-id', ny('2025-03-03T09:00:00-05:00', 45))).rejects.toBeInstanceOf(SessionConflictError);
    const rows = await db.pool.any(sql.type(z.object({ user_id: z.string(), minutes: z.number() }))`
      select user_id, (extract(epoch from end_time - start_time) / 60)::int as minutes from focus_sessions where session_id = 'next-id'`);
    expect(new Map(rows.map((r) => [r.user_id, r.minutes]))).toEqual(new Map([[alice, 45], [mallory, 10]]));
  });

  it("never answers from another user's session under the same id: a different session, accepted as new", async () => {
    const alice = uniqueUser();
    const bob = uniqueUser();
    await accept(alice, 'shared', ny('2025-03-03T09:00:00-05:00', 45));
    const mine = await accept(bob, 'shared', ny('2025-03-04T09:00:00-05:00', 45));
    expect(mine).toMatchObject({ accepted: true, streak: { lastQualifiedDate: '2025-03-04', version: 1 } });
    expect((await readStreak(db.pool, alice))?.lastQualifiedDate).toBe('2025-03-03');
  });

  it('follows the zone of the session with the latest end and bumps the version for it', async () => {
    const user = uniqueUser();
    await accept(user, `${user}-ny`, ny('2025-03-03T09:00:00-05:00', 45));
    const tokyo = await accept(user, `${user}-tokyo`, { startMs: at('2025-03-05T09:00:00+09:00'), endMs: at('2025-03-05T09:10:00+09:00'), timeZone: 'Asia/Tokyo' });
    expect(tokyo.streak).toMatchObject({ timezone: 'Asia/Tokyo', version: 2, qualifiedDaysCount: 1 });
    // An older session in another zone does not move "today".
    const old = await accept(user, `${user}-paris`, { startMs: at('2025-03-01T09:00:00+01:00'), endMs: at('2025-03-01T09:05:00+01:00'), timeZone: 'Europe/Paris' });
    expect(old.streak.timezone).toBe('Asia/Tokyo');
  });

  it('splits a multi-day session across a DST change into its local days', async () => {
    const user = uniqueUser();
    // 2025-03-08 22:00 EST to 2025-03-09 22:30 EDT: 23.5 real hours; 2025-03-09 has 23 hours.
    const result = await accept(user, `${user}-long`, { startMs: at('2025-03-08T22:00:00-05:00'), endMs: at('2025-03-09T22:30:00-04:00'), timeZone: 'America/New_York' });
    expect(result.streak).toMatchObject({ currentStreak: 2, lastQualifiedDate: '2025-03-09' });
    expect((await storedState(user)).credits).toEqual([
      { date: '2025-03-08', seconds: 2 * 3600 },
      { date: '2025-03-09', seconds: 21.5 * 3600 },
    ]);
  });

  it('equals a full recompute for any sessions in any arrival order, duplicates included', async () => {
    const zones = ['America/New_York', 'Europe/Paris', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'America/St_Johns', 'Australia/Lord_Howe'];
    const base = at('2025-03-01T00:00:00Z');
    const sessionArb = fc.record({
      startMs: fc.integer({ min: 0, max: 20 * 24 * 60 }).map((m) => base + m * M),
      minutes: fc.integer({ min: 1, max: 26 * 60 }),
      timeZone: fc.constantFrom(...zones),
    }).map(({ startMs, minutes, timeZone }) => ({ startMs, endMs: startMs + Math.min(minutes, 24 * 60) * M, timeZone }));
    await fc.assert(
      fc.asyncProperty(fc.array(sessionArb, { minLength: 1, maxLength: 12 }), fc.infiniteStream(fc.nat()), async (sessions, coins) => {
        const user = uniqueUser();
        const arrivals = sessions.map((s, i) => ({ id: `${user}-${i}`, s }));
        const order = [...arrivals, ...arrivals.slice(0, 2)].map((a) => ({ a, k: coins.next().value as number })).sort((x, y) => x.k - y.k).map((x) => x.a);
        for (const { id, s } of order) await accept(user, id, s);
        const expected = recomputeAll(sessions, QUALIFY);
        const state = await storedState(user);
        expect(state.credits).toEqual([...expected.credits].filter(([, s]) => s > 0).sort(([a], [b]) => a.localeCompare(b)).map(([date, seconds]) => ({ date, seconds })));
        expect(state.runs).toEqual(expected.runs);
        expect(state.streak).toMatchObject(expected.streak);
        // Versions are gapless and the last outbox row carries the final values.
        expect(state.outbox.map((o) => o.version)).toEqual(state.outbox.map((_, i) => i + 1));
        expect(state.outbox.at(-1)?.payload).toMatchObject({ ...expected.streak, version: state.streak?.version });
      }),
      { numRuns: usesEmbeddedDatabase ? 15 : 40 },
    );
  });
});

describe('accepts agree with rebuilds and reprojections of the same user', () => {
  it.each([
    ['another accept of the user', async (user: string) => void (await accept(user, `${user}-other`, ny('2025-03-03T12:00:00-05:00', 10)))],
    ['a rebuild of the user', async (user: string) => void (await db.pool.query(sql.unsafe`select * from rebuild_streaks(${sql.array([user], 'text')}, 1800, true)`))],
    ['a reprojection of the user', async (user: string) => {
      // Reprojection skips a version still waiting in the outbox, so publish it first.
      await db.pool.query(sql.unsafe`update streak_outbox set published_at = now() where user_id = ${user}`);
      const bumped = await db.pool.any(sql.unsafe`select * from enqueue_streak_projection(${sql.array([user], 'text')})`);
      expect(bumped).toHaveLength(1);
    }],
  ])('an accept after %s leaves exactly what a rebuild computes, at the next version', async (_what, meanwhile) => {
    const user = uniqueUser();
    await accept(user, `${user}-first`, ny('2025-03-03T09:00:00-05:00', 45));
    await meanwhile(user);
    const version = (await readStreak(db.pool, user))!.version;
    const late = await accept(user, `${user}-late`, ny('2025-03-04T10:00:00-05:00', 40));
    expect(late.streak).toMatchObject({ currentStreak: 2, qualifiedDaysCount: 2, version: version + 1 });
    const accepted = await storedState(user);
    const changed = await db.pool.any(sql.unsafe`select * from rebuild_streaks(${sql.array([user], 'text')}, 1800, true)`);
    expect(changed).toEqual([]);
    expect(await storedState(user)).toEqual(accepted);
  });
});

(usesEmbeddedDatabase ? describe.skip : describe)('acceptSession on real PostgreSQL (locking)', () => {
  it('ends 50 parallel sessions of one user in random order with exactly the sequential streak', async () => {
    const sessions = Array.from({ length: 50 }, (_, i) => ({
      id: i,
      s: ny(new Date(at('2025-01-01T10:00:00-05:00') + Math.floor(i / 2) * 24 * H + (i % 2) * 20 * M).toISOString(), 18),
    }));
    const sequentialUser = uniqueUser();
    for (const { id, s } of sessions) await accept(sequentialUser, `${sequentialUser}-${id}`, s);
    const parallelUser = uniqueUser();
    const shuffled = [...sessions].sort(() => Math.random() - 0.5);
    await Promise.all(shuffled.map(({ id, s }) => accept(parallelUser, `${parallelUser}-${id}`, s)));
    const [seqState, parState] = await Promise.all([storedState(sequentialUser), storedState(parallelUser)]);
    expect(parState.credits).toEqual(seqState.credits);
    expect(parState.runs).toEqual(seqState.runs);
    const { version: _v1, updatedAt: _u1, ...seqStreak } = seqState.streak!;
    const { version: _v2, updatedAt: _u2, ...parStreak } = parState.streak!;
    expect(parStreak).toEqual(seqStreak);
    expect(parStreak).toMatchObject({ currentStreak: 25, longestStreak: 25, qualifiedDaysCount: 25 });
    expect(parState.outbox.map((o) => o.version)).toEqual(parState.outbox.map((_, i) => i + 1));
  });

  it('serializes one user but never makes another user wait', async () => {
    const blocked = uniqueUser();
    const free = uniqueUser();
    await accept(blocked, `${blocked}-0`, ny('2025-03-03T09:00:00-05:00', 45));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holder = db.pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`select 1 from user_streaks where user_id = ${blocked} for update`);
      await held;
    });
    await new Promise((r) => setTimeout(r, 100));
    let blockedDone = false;
    const waiting = accept(blocked, `${blocked}-1`, ny('2025-03-04T09:00:00-05:00', 45)).then(() => (blockedDone = true));
    const others = await Promise.all(Array.from({ length: 100 }, (_, i) => accept(`${free}-${i}`, `${free}-${i}-s`, ny('2025-03-04T09:00:00-05:00', 45))));
    expect(others.every((r) => r.accepted)).toBe(true);
    expect(blockedDone).toBe(false);
    release();
    await holder;
    await waiting;
    expect((await readStreak(db.pool, blocked))?.currentStreak).toBe(2);
  });
});
