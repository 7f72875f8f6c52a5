import { sql } from 'slonik';
import { z } from 'zod';
import { addFriendship, FriendCapError, listFriends, removeFriendship } from '../../src/db/friendships';
import { readBoard } from '../../src/db/friendsLeaderboard';
import { localDateOf, streakStatus } from '../../src/domain';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

const CAPS = { friendsMax: 500, pendingRequestsMax: 100 };
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 12 });
});
afterAll(async () => {
  await db.close();
});

const state = async (a: string, b: string) =>
  db.pool.one(sql.type(z.object({ ab: z.boolean(), ba: z.boolean(), reqAb: z.boolean(), reqBa: z.boolean() }))`
    select exists (select from friendships where user_id = ${a} and friend_id = ${b}) as "ab",
           exists (select from friendships where user_id = ${b} and friend_id = ${a}) as "ba",
           exists (select from friend_requests where requester_id = ${a} and addressee_id = ${b}) as "reqAb",
           exists (select from friend_requests where requester_id = ${b} and addressee_id = ${a}) as "reqBa"`);

describe('friendships in SQL', () => {
  it('keeps a request once, then turns it into a friendship in both directions when the other side adds', async () => {
    expect(await addFriendship(db.pool, 'ann', 'ben', CAPS)).toEqual({ status: 'requested', friends: 0 });
    expect(await addFriendship(db.pool, 'ann', 'ben', CAPS)).toEqual({ status: 'requested', friends: 0 });
    expect(await state('ann', 'ben')).toEqual({ ab: false, ba: false, reqAb: true, reqBa: false });
    expect(await addFriendship(db.pool, 'ben', 'ann', CAPS)).toEqual({ status: 'friends', friends: 1 });
    expect(await state('ann', 'ben')).toEqual({ ab: true, ba: true, reqAb: false, reqBa: false });
    expect(await addFriendship(db.pool, 'ann', 'ben', CAPS)).toEqual({ status: 'friends', friends: 1 });
  });

  it('creates the users rows of users who never recorded a session', async () => {
    await addFriendship(db.pool, 'new-1', 'new-2', CAPS);
    const ids = await db.pool.anyFirst(sql.type(z.object({ id: z.string() }))`select id from users where id in ('new-1', 'new-2') order by id`);
    expect(ids).toEqual(['new-1', 'new-2']);
  });

  it('removes a friendship in both directions, and cancels or declines a request, never failing', async () => {
    expect(await removeFriendship(db.pool, 'ben', 'ann')).toEqual({ removed: 'friendship', friends: 0 });
    expect(await state('ann', 'ben')).toEqual({ ab: false, ba: false, reqAb: false, reqBa: false });
    expect(await removeFriendship(db.pool, 'ben', 'ann')).toEqual({ removed: 'nothing', friends: 0 });
    await addFriendship(db.pool, 'ann', 'cat', CAPS);
    expect(await removeFriendship(db.pool, 'ann', 'cat')).toEqual({ removed: 'request', friends: 0 }); // cancel
    await addFriendship(db.pool, 'ann', 'cat', CAPS);
    expect(await removeFriendship(db.pool, 'cat', 'ann')).toEqual({ removed: 'request', friends: 0 }); // decline
    expect(await state('ann', 'cat')).toEqual({ ab: false, ba: false, reqAb: false, reqBa: false });
    expect(await removeFriendship(db.pool, 'nobody-x', 'nobody-y')).toEqual({ removed: 'nothing', friends: 0 });
    const created = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from users where id like 'nobody-%'`);
    expect(created).toBe(0);
  });

  it('refuses a request past the pending cap, but not a repeat of a pending one, and changes nothing', async () => {
    const caps = { friendsMax: 500, pendingRequestsMax: 2 };
    await addFriendship(db.pool, 'pen', 'p1', caps);
    await addFriendship(db.pool, 'pen', 'p2', caps);
    await expect(addFriendship(db.pool, 'pen', 'p3', caps)).rejects.toEqual(new FriendCapError('pending_requests', 2));
    await expect(addFriendship(db.pool, 'pen', 'p3', caps)).rejects.toMatchObject({ cap: 'pending_requests', limit: 2 });
    expect(await addFriendship(db.pool, 'pen', 'p2', caps)).toEqual({ status: 'requested', friends: 0 });
    expect(await state('pen', 'p3')).toEqual({ ab: false, ba: false, reqAb: false, reqBa: false });
    // Accepting someone else's request is no new outgoing request: allowed at the pending cap.
    await addFriendship(db.pool, 'p4', 'pen', caps);
    expect(await addFriendship(db.pool, 'pen', 'p4', caps)).toEqual({ status: 'friends', friends: 1 });
  });

  it("refuses an accept that would pass the caller's or the other user's friends cap", async () => {
    const caps = { friendsMax: 1, pendingRequestsMax: 100 };
    await addFriendship(db.pool, 'full', 'f1', caps);
    await addFriendship(db.pool, 'f1', 'full', caps);
    await addFriendship(db.pool, 'f2', 'full', caps);
    await expect(addFriendship(db.pool, 'full', 'f2', caps)).rejects.toMatchObject({ cap: 'friends', limit: 1 });
    await addFriendship(db.pool, 'full', 'f3', caps);
    await expect(addFriendship(db.pool, 'f3', 'full', caps)).rejects.toMatchObject({ cap: 'friend_friends', limit: 1 });
    expect(await state('full', 'f3')).toEqual({ ab: false, ba: false, reqAb: true, reqBa: false });
    // Already friends is an answer, not a new friendship: fine at the cap.
    expect(await addFriendship(db.pool, 'full', 'f1', caps)).toEqual({ status: 'friends', friends: 1 });
  });

  it('lists friends and requests both ways, newest first', async () => {
    await addFriendship(db.pool, 'lis', 'l1', CAPS);
    await addFriendship(db.pool, 'l1', 'lis', CAPS);
    await addFriendship(db.pool, 'l2', 'lis', CAPS);
    await addFriendship(db.pool, 'lis', 'l3', CAPS);
    await addFriendship(db.pool, 'lis', 'l4', CAPS);
    const lists = await listFriends(db.pool, 'lis');
    expect(lists.friends).toEqual([{ userId: 'l1', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) }]);
    expect(lists.incoming.map((r) => r.userId)).toEqual(['l2']);
    expect(lists.outgoing.map((r) => r.userId)).toEqual(['l4', 'l3']);
    expect(Date.parse(lists.outgoing[0]!.requestedAt)).toBeGreaterThanOrEqual(Date.parse(lists.outgoing[1]!.requestedAt));
    expect(await listFriends(db.pool, 'stranger')).toEqual({ friends: [], incoming: [], outgoing: [] });
  });

  // Parallel transactions need a real server; PGlite is one backend.
  (usesEmbeddedDatabase ? it.skip : it)('makes two users who add each other at the same moment friends, never two crossed requests', async () => {
    const pairs = Array.from({ length: 40 }, (_, i) => [`race-a${i}`, `race-b${i}`] as const);
    const outcomes = await Promise.all(pairs.flatMap(([a, b]) => [addFriendship(db.pool, a, b, CAPS), addFriendship(db.pool, b, a, CAPS)]));
    for (const [a, b] of pairs) expect(await state(a, b)).toEqual({ ab: true, ba: true, reqAb: false, reqBa: false });
    // Exactly one side of each pair asked and the other accepted.
    expect(outcomes.filter((o) => o.status === 'requested')).toHaveLength(pairs.length);
    expect(outcomes.filter((o) => o.status === 'friends')).toHaveLength(pairs.length);
  });

  (usesEmbeddedDatabase ? it.skip : it)('keeps the friends cap under concurrent accepts of one user', async () => {
    const caps = { friendsMax: 3, pendingRequestsMax: 100 };
    const askers = Array.from({ length: 10 }, (_, i) => `cap-asker${i}`);
    for (const a of askers) await addFriendship(db.pool, a, 'cap-hub', caps);
    const settled = await Promise.allSettled(askers.map((a) => addFriendship(db.pool, 'cap-hub', a, caps)));
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
    expect(settled.filter((s) => s.status === 'rejected').every((s) => (s as PromiseRejectedResult).reason instanceof FriendCapError)).toBe(true);
    const friends = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from friendships where user_id = 'cap-hub'`);
    expect(friends).toBe(3);
  });
});

// Sunday 2025-03-16 20:00 UTC: Sunday 13:00 in Los Angeles, Monday 05:00 in Tokyo, Monday 10:00 on Kiritimati (UTC+14).
const NOW = Date.parse('2025-03-16T20:00:00Z');

async function streakRow(userId: string, current: number, longest: number, last: string | null, zone: string | null): Promise<void> {
  await db.pool.query(sql.unsafe`insert into users (id, timezone) values (${userId}, ${zone}) on conflict (id) do nothing`);
  await db.pool.query(sql.unsafe`
    insert into user_streaks (user_id, current_streak, longest_streak, last_qualified_date, qualified_days_count, timezone, version)
    values (${userId}, ${current}, ${longest}, ${last}, ${longest}, ${zone}, 1)`);
}
async function focus(userId: string, days: Record<string, number>): Promise<void> {
  await db.pool.query(sql.unsafe`insert into users (id) values (${userId}) on conflict (id) do nothing`);
  for (const [date, seconds] of Object.entries(days)) {
    await db.pool.query(sql.unsafe`insert into daily_focus (user_id, local_date, focus_seconds) values (${userId}, ${date}, ${seconds})`);
  }
}
async function befriend(a: string, b: string): Promise<void> {
  await addFriendship(db.pool, a, b, CAPS);
  await addFriendship(db.pool, b, a, CAPS);
}

describe('friends leaderboards in SQL', () => {
  beforeAll(async () => {
    await streakRow('me', 3, 5, '2025-03-16', 'America/Los_Angeles'); // active
    await streakRow('a', 10, 10, '2025-03-15', 'Asia/Tokyo'); // Monday 3/17 in Tokyo: expired, ranks as 0
    await streakRow('b', 4, 4, '2025-03-15', 'America/Los_Angeles'); // Sunday 3/16 in LA: alive
    await streakRow('c', 3, 7, '2025-03-16', 'Europe/Paris');
    await streakRow('d', 3, 5, '2025-03-15', 'UTC'); // ties with me: 3 and 5
    await streakRow('x', 50, 50, '2025-03-16', 'UTC'); // a friend of a friend, never on my board
    await streakRow('r', 40, 40, '2025-03-16', 'UTC'); // asked me, not accepted: not on my board
    for (const f of ['a', 'b', 'c', 'd', 'e']) await befriend('me', f);
    await befriend('a', 'x');
    await addFriendship(db.pool, 'r', 'me', CAPS);
    // The caller's week in Los Angeles is 2025-03-10 … 2025-03-16; each friend's minutes come from their own local dates.
    await focus('me', { '2025-03-09': 10_000, '2025-03-10': 3600, '2025-03-16': 1799 }); // 60 + 29 = 89 min (seconds summed, then floored: 5399 s)
    await focus('a', { '2025-03-16': 5400, '2025-03-17': 7200 }); // 90 min; 3/17 is Tokyo's today, outside my week
    await focus('b', { '2025-03-11': 5399 }); // 89 min: ties with me
    await focus('d', Object.fromEntries(['10', '11', '12', '13', '14', '15', '16'].map((d) => [`2025-03-${d}`, 600]))); // 70 min
    await focus('r', { '2025-03-12': 50_000 });
    // e never recorded a session: no streak row, no focus rows.
  });

  it('ranks the active current streak (expired counts 0), then longest, with competition ranks and ties by userId', async () => {
    const board = await readBoard(db.pool, 'streak', 'me', NOW, 50);
    expect(board.weekStart).toBe('2025-03-10');
    expect(board.entries).toEqual([
      { userId: 'b', rank: 1, currentStreak: 4, longestStreak: 4, active: true, weekFocusMinutes: 89 },
      { userId: 'c', rank: 2, currentStreak: 3, longestStreak: 7, active: true, weekFocusMinutes: 0 },
      { userId: 'd', rank: 3, currentStreak: 3, longestStreak: 5, active: true, weekFocusMinutes: 70 },
      { userId: 'me', rank: 3, currentStreak: 3, longestStreak: 5, active: true, weekFocusMinutes: 89 },
      { userId: 'a', rank: 5, currentStreak: 10, longestStreak: 10, active: false, weekFocusMinutes: 90 },
      { userId: 'e', rank: 6, currentStreak: 0, longestStreak: 0, active: false, weekFocusMinutes: 0 },
    ]);
  });

  it('keeps a streak a freeze will cover active on the board, ranked by its current streak', async () => {
    // a's Tokyo streak expired on 3/17; a freeze covering 3/16 keeps it alive through Monday.
    await db.pool.query(sql.unsafe`update user_streaks set freeze_reach = 1 where user_id = 'a'`);
    try {
      const board = await readBoard(db.pool, 'streak', 'me', NOW, 50);
      expect(board.entries[0]).toEqual({ userId: 'a', rank: 1, currentStreak: 10, longestStreak: 10, active: true, weekFocusMinutes: 90 });
    } finally {
      await db.pool.query(sql.unsafe`update user_streaks set freeze_reach = 0 where user_id = 'a'`);
    }
  });

  it('ranks focus minutes of the caller’s local week, each friend on their own dates', async () => {
    const board = await readBoard(db.pool, 'weekFocus', 'me', NOW, 50);
    expect(board.entries.map((e) => [e.userId, e.rank, e.weekFocusMinutes])).toEqual([
      ['a', 1, 90],
      ['b', 2, 89],
      ['me', 2, 89],
      ['d', 4, 70],
      ['c', 5, 0],
      ['e', 5, 0],
    ]);
  });

  it('lists the top `limit` and then the caller with their true rank when not among them', async () => {
    const top2 = await readBoard(db.pool, 'streak', 'me', NOW, 2);
    expect(top2.entries.map((e) => [e.userId, e.rank])).toEqual([['b', 1], ['c', 2], ['me', 3]]);
    const top3 = await readBoard(db.pool, 'streak', 'me', NOW, 3);
    expect(top3.entries.map((e) => [e.userId, e.rank])).toEqual([['b', 1], ['c', 2], ['d', 3], ['me', 3]]);
    const top4 = await readBoard(db.pool, 'streak', 'me', NOW, 4);
    expect(top4.entries.map((e) => e.userId)).toEqual(['b', 'c', 'd', 'me']);
    const top1 = await readBoard(db.pool, 'weekFocus', 'me', NOW, 1);
    expect(top1.entries.map((e) => [e.userId, e.rank])).toEqual([['a', 1], ['me', 2]]);
  });

  it("takes the week in the caller's own zone: already next week on Kiritimati, UTC for a caller without a zone", async () => {
    await streakRow('kiri', 1, 1, '2025-03-17', 'Pacific/Kiritimati');
    await befriend('kiri', 'a');
    const kiri = await readBoard(db.pool, 'weekFocus', 'kiri', NOW, 50);
    expect(kiri.weekStart).toBe('2025-03-17');
    expect(kiri.entries.find((e) => e.userId === 'a')?.weekFocusMinutes).toBe(120);
    const zoneless = await readBoard(db.pool, 'weekFocus', 'e', NOW, 50);
    expect(zoneless.weekStart).toBe('2025-03-10');
    expect(zoneless.entries.map((e) => e.userId)).toEqual(['me', 'e']);
  });

  it('answers a user with no friends and no sessions with their own entry', async () => {
    const board = await readBoard(db.pool, 'streak', 'loner', NOW, 50);
    expect(board).toEqual({ weekStart: '2025-03-10', entries: [{ userId: 'loner', rank: 1, currentStreak: 0, longestStreak: 0, active: false, weekFocusMinutes: 0 }] });
  });

  it('agrees with getMyStreak on `active` and with the domain on the week start, around expiry in many zones', async () => {
    const zones = ['UTC', 'America/Los_Angeles', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'America/Santiago', 'Australia/Lord_Howe', 'Pacific/Pago_Pago'];
    for (const [i, zone] of zones.entries()) {
      await streakRow(`z${i}`, 1, 1, '2025-09-05', zone);
      await befriend('zcaller', `z${i}`);
    }
    for (let hour = -30; hour <= 30; hour += 3) {
      for (const [i, zone] of zones.entries()) {
        const expiresAt = streakStatus('2025-09-05', zone, 0).streakExpiresAt as number;
        const nowMs = expiresAt + hour * 3_600_000 + (hour === 0 ? -1 : 0);
        const board = await readBoard(db.pool, 'streak', `z${i}`, nowMs, 100);
        const own = board.entries.find((e) => e.userId === `z${i}`);
        expect([zone, nowMs, own?.active]).toEqual([zone, nowMs, streakStatus('2025-09-05', zone, nowMs).active]);
        const today = localDateOf(nowMs, zone);
        const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
        const monday = new Date(Date.parse(`${today}T00:00:00Z`) - weekday * 86_400_000).toISOString().slice(0, 10);
        expect([zone, nowMs, board.weekStart]).toEqual([zone, nowMs, monday]);
      }
    }
  });
});
