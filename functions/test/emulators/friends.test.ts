import type { FirebaseError } from 'firebase/app';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import type { AddFriendResponse, GetFriendsLeaderboardResponse, GetFriendsResponse, RemoveFriendResponse } from '../../src/contract/callables';
import { addDays, creditByDate, localDateOf, startOfLocalDate, type SessionTimes } from '../../src/domain';
import { appClient } from './support/stack';

// Friends and the boards as an app uses them: the client SDK signed in against the Auth emulator,
// calling the emulated callables, which ask the Auth emulator whether a friend exists.
// Caps are covered by the handler specs (they are params, and this stack runs the defaults).

const HOUR = 3_600_000;
const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: FirebaseError) => e.code);

interface Member {
  client: AppClient;
  uid: string;
  zone: string;
  sessions: SessionTimes[];
}

let members: Record<'ann' | 'ben' | 'cat' | 'dan' | 'eve' | 'fay', Member>;
let anonymous: AppClient;
const run = Date.now();

beforeAll(async () => {
  const zones = { ann: 'Pacific/Kiritimati', ben: 'America/Los_Angeles', cat: 'Asia/Kathmandu', dan: 'Europe/Paris', eve: 'UTC', fay: 'Australia/Lord_Howe' };
  const entries = await Promise.all(
    Object.entries(zones).map(async ([name, zone]) => {
      const client = appClient(`friends-${name}`);
      const uid = await client.signIn(`${name}-${run}@example.com`);
      return [name, { client, uid, zone, sessions: [] as SessionTimes[] }] as const;
    }),
  );
  members = Object.fromEntries(entries) as unknown as typeof members;
  anonymous = appClient('friends-anonymous');
});
afterAll(async () => {
  await Promise.all([...Object.values(members ?? {}).map((m) => m.client.close()), anonymous?.close()]);
});

const add = (m: Member, friend: Member | string) => m.client.call<AddFriendResponse>('addFriend', { friendId: typeof friend === 'string' ? friend : friend.uid });
const remove = (m: Member, friend: Member) => m.client.call<RemoveFriendResponse>('removeFriend', { friendId: friend.uid });
const lists = (m: Member) => m.client.call<GetFriendsResponse>('getFriends', {});
const board = (m: Member, data: Record<string, unknown> = {}) => m.client.call<GetFriendsLeaderboardResponse>('getFriendsLeaderboard', data);
const ids = (rows: { userId: string }[]) => rows.map((r) => r.userId);

/** A 40-minute session at local noon, `daysAgo` local dates before today in the member's zone: always in the past, never split. */
async function focusAtNoon(m: Member, daysAgo: number): Promise<void> {
  const date = addDays(localDateOf(Date.now(), m.zone), -daysAgo);
  const startMs = startOfLocalDate(date, m.zone) + 12 * HOUR;
  const session = { startMs, endMs: startMs + 40 * 60_000, timeZone: m.zone };
  await m.client.acceptFocusSession({ sessionId: `noon-${daysAgo}`, startTime: startMs, endTime: session.endMs, timezone: m.zone });
  m.sessions.push(session);
}

describe('friends through the emulators', () => {
  it('refuses a signed-out app, the caller itself and a uid Firebase Auth does not know', async () => {
    expect(await code(anonymous.call('addFriend', { friendId: members.ben.uid }))).toBe('functions/unauthenticated');
    expect(await code(anonymous.call('getFriendsLeaderboard', {}))).toBe('functions/unauthenticated');
    expect(await code(add(members.ann, members.ann))).toBe('functions/invalid-argument');
    expect(await code(add(members.ann, `nobody-${run}`))).toBe('functions/not-found');
  });

  it('asks, then declines: the request shows on both sides, then on neither', async () => {
    const { ann, ben } = members;
    expect(await add(ann, ben)).toEqual({ friendId: ben.uid, status: 'requested', friends: 0 });
    expect(ids((await lists(ann)).outgoing)).toEqual([ben.uid]);
    expect(ids((await lists(ben)).incoming)).toEqual([ann.uid]);
    expect(await remove(ben, ann)).toEqual({ friendId: ann.uid, status: 'none', friends: 0 });
    expect(await lists(ann)).toEqual({ friends: [], incoming: [], outgoing: [] });
    expect(await lists(ben)).toEqual({ friends: [], incoming: [], outgoing: [] });
  });

  it('asks, then cancels', async () => {
    const { ann, cat } = members;
    await add(ann, cat);
    expect(await remove(ann, cat)).toEqual({ friendId: cat.uid, status: 'none', friends: 0 });
    expect((await lists(cat)).incoming).toEqual([]);
  });

  it('asks, then accepts: friends both ways; removing ends it for both; a second remove is no error', async () => {
    const { ann, ben } = members;
    await add(ann, ben);
    expect(await add(ben, ann)).toEqual({ friendId: ann.uid, status: 'friends', friends: 1 });
    expect(ids((await lists(ann)).friends)).toEqual([ben.uid]);
    expect(await add(ann, ben)).toEqual({ friendId: ben.uid, status: 'friends', friends: 1 });
    expect(await remove(ann, ben)).toEqual({ friendId: ben.uid, status: 'none', friends: 0 });
    expect((await lists(ben)).friends).toEqual([]);
    expect(await remove(ann, ben)).toEqual({ friendId: ben.uid, status: 'none', friends: 0 });
  });

  it('befriends a user who never recorded a session, who shows on the board with zeros', async () => {
    const { ann, dan } = members;
    expect(await add(ann, dan)).toMatchObject({ status: 'requested' });
    expect(await add(dan, ann)).toMatchObject({ status: 'friends', friends: 1 });
    const danOnBoard = (await board(ann)).entries.find((e) => e.userId === dan.uid);
    expect(danOnBoard).toMatchObject({ currentStreak: 0, longestStreak: 0, active: false, weekFocusMinutes: 0 });
  });

  it('refuses a limit out of 1..100 and an unknown board', async () => {
    const { ann } = members;
    for (const data of [{ limit: 0 }, { limit: 101 }, { limit: 'ten' }, { by: 'minutes' }, { by: 'streak', userId: ann.uid }]) {
      expect([data, await code(board(ann, data))]).toEqual([data, 'functions/invalid-argument']);
    }
    expect((await board(ann, { limit: 1 })).entries.length).toBeGreaterThanOrEqual(1);
    expect((await board(ann, { limit: 100 })).by).toBe('streak');
  });
});

describe('the boards through the emulators', () => {
  beforeAll(async () => {
    const { ann, ben, cat, eve, fay } = members;
    for (const f of [ben, cat, eve, fay]) {
      await add(ann, f);
      await add(f, ann);
    }
    await focusAtNoon(ann, 1); // active, 1
    for (const d of [1, 2, 3]) await focusAtNoon(ben, d); // active, 3
    for (const d of [3, 4]) await focusAtNoon(cat, d); // expired: ranks as 0, longest 2
    await focusAtNoon(eve, 1); // active, 1: ties with ann
    for (const d of [5, 6, 7, 8, 9, 10]) await focusAtNoon(fay, d); // expired, longest 6
  });

  it('ranks active streaks, then longest; an expired streak ranks as 0; ties share a rank, ordered by userId', async () => {
    const { ann, ben, cat, dan, eve, fay } = members;
    const answer = await board(ann, { by: 'streak' });
    const [first, second] = [ann, eve].sort((a, b) => (a.uid < b.uid ? -1 : 1)) as [Member, Member];
    expect(answer.by).toBe('streak');
    expect(answer.entries.map((e) => [e.userId, e.rank, e.currentStreak, e.longestStreak, e.active])).toEqual([
      [ben.uid, 1, 3, 3, true],
      [first.uid, 2, 1, 1, true],
      [second.uid, 2, 1, 1, true],
      [fay.uid, 4, 6, 6, false],
      [cat.uid, 5, 2, 2, false],
      [dan.uid, 6, 0, 0, false],
    ]);
    // The top 1, then the caller with its true rank when it is not among them.
    const top = await board(ann, { by: 'streak', limit: 1 });
    expect(top.entries.map((e) => [e.userId, e.rank])).toEqual([[ben.uid, 1], [ann.uid, 2]]);
  });

  it("sums each member's own local dates over the caller's week, Monday to Sunday in the caller's zone", async () => {
    const { ann } = members;
    const today = localDateOf(Date.now(), ann.zone);
    const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
    const weekStart = addDays(today, -weekday);
    const week = new Set(Array.from({ length: 7 }, (_, i) => addDays(weekStart, i)));
    const minutes = (m: Member) => Math.floor([...creditByDate(m.sessions, week).values()].reduce((a, b) => a + b, 0) / 60);
    const answer = await board(ann, { by: 'weekFocus' });
    expect(answer.weekStart).toBe(weekStart);
    const expected = Object.values(members)
      .map((m) => ({ userId: m.uid, minutes: minutes(m) }))
      .sort((a, b) => b.minutes - a.minutes || (a.userId < b.userId ? -1 : 1));
    expect(answer.entries.map((e) => [e.userId, e.weekFocusMinutes])).toEqual(expected.map((e) => [e.userId, e.minutes]));
    for (const [i, e] of answer.entries.entries()) expect(e.rank).toBe(1 + expected.findIndex((x) => x.minutes === expected[i]!.minutes));
    console.log(`weekFocus board in ${ann.zone}, week of ${weekStart}: ${answer.entries.map((e) => `${e.rank}:${e.weekFocusMinutes}`).join(' ')}`);
  });

  it('shows a friend only after consent: a pending request puts nobody on either board', async () => {
    const { ben, cat } = members;
    await add(ben, cat);
    expect(ids((await board(ben)).entries)).not.toContain(cat.uid);
    expect(ids((await board(cat)).entries)).not.toContain(ben.uid);
    await remove(cat, ben);
  });
});
