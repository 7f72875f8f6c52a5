import type { PubSub } from '@google-cloud/pubsub';
import { setLogLevel } from 'firebase/firestore';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import { runScript } from '../../../scripts/test/support/runScript';
import type { GetFriendsLeaderboardResponse } from '../../src/contract/callables';
import type { StreakAdjustmentMessage } from '../../src/contract/streakAdjustmentMessage';
import type { Database } from '../../src/db/pool';
import { listAdjustments } from '../../src/db/streakAdjustments';
import { addDays, localDateOf } from '../../src/domain';
import { adminDocument, appClient, eventually, eventuallyWithRelay, functionsDatabase, pubSub, stack, stackLogLines } from './support/stack';

// applyStreakAdjustment as deployed, run by the Functions emulator and fed by the real Pub/Sub emulator,
// seen as the app sees it: a grant the purchase backend publishes bridges the gap between two qualified
// dates in getMyStreak and in streaks/{uid}; the same adjustmentId published again counts once. The
// adjustment's projection goes out with the outbox relay (the spec ticks it, as Cloud Scheduler would).
setLogLevel('silent');

let client: PubSub;
let db: Database;
const apps: AppClient[] = [];
beforeAll(async () => {
  client = pubSub();
  db = await functionsDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await client?.close();
  await db?.close();
});

/** Publishes as the purchase backend does; answers the message id (its actor is topic:<message id>). */
const publish = (message: StreakAdjustmentMessage) => client.topic('streak-adjustments').publishMessage({ data: Buffer.from(JSON.stringify(message)) });
const streakDoc = (uid: string) => adminDocument(`streaks/${uid}`);
const sameDates = (dates: unknown, expected: string[]) => JSON.stringify(dates) === JSON.stringify(expected);

// The user lives where it is about noon now, so no local midnight falls within the spec's minutes: the
// walk's "today" cannot move under it. Etc/GMT-N is UTC+N (POSIX signs).
const offsetHours = 12 - new Date().getUTCHours();
const zone = offsetHours === 0 ? 'Etc/UTC' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
const offset = `${offsetHours < 0 ? '-' : '+'}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
const session = (sessionId: string, day: string) => ({ sessionId, startTime: `${day}T10:00:00${offset}`, endTime: `${day}T10:40:00${offset}`, timezone: zone });

/** The structured lines the emulated functions logged about one Pub/Sub message. */
const linesOfMessage = (messageId: string) => stackLogLines(messageId).filter((line) => line.messageId === messageId);

describe('applyStreakAdjustment through the Pub/Sub emulator', () => {
  it('a published grant bridges the gap in getMyStreak and streaks/{uid}; publishing the same adjustmentId again counts once', async () => {
    const app = appClient(`adjusted-${Date.now()}`);
    apps.push(app);
    const uid = await app.signIn(`adjusted-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
    // Qualified three days ago and yesterday, missed the day between (in the user's zone).
    const today = localDateOf(Date.now(), zone);
    const [day1, gap, day3] = [addDays(today, -3), addDays(today, -2), addDays(today, -1)];
    await app.acceptFocusSession(session('adj-1', day1));
    await app.acceptFocusSession(session('adj-3', day3));
    await eventuallyWithRelay(() => streakDoc(uid), (d) => d?.version === 2, 30_000, `streaks/${uid} at version 2 (Admin SDK)`);
    expect(await app.getMyStreak()).toMatchObject({ currentStreak: 1, freezesAvailable: 0, frozenDates: [] });

    const grant = { adjustmentId: `purchase-${uid}`, userId: uid, kind: 'grant-freezes', count: 1, effectiveFrom: day1, reason: 'purchase (emulator suite)' } satisfies StreakAdjustmentMessage;
    const firstMessageId = await publish(grant);
    const projected = await eventuallyWithRelay(() => streakDoc(uid), (d) => sameDates(d?.frozenDates, [gap]), 60_000, `streaks/${uid} with ${gap} frozen (Admin SDK)`);

    // The freeze was spent on the gap: a streak of two, nothing left to hold.
    const mine = await app.getMyStreak();
    expect(mine).toMatchObject({ currentStreak: 2, longestStreak: 2, lastQualifiedDate: day3, frozenDates: [gap], freezesAvailable: 0, version: projected!.version });
    // The document exists and holds the freeze: one read as the app, under the rules.
    expect(await app.readStreakDocument(uid)).toMatchObject({ userId: uid, version: mine.version, currentStreak: 2, frozenDates: [gap], freezesAvailable: 0 });
    expect(await listAdjustments(db.pool, uid)).toEqual([expect.objectContaining({ adjustmentId: grant.adjustmentId, kind: 'grant-freezes', count: 1, date: day1, actor: `topic:${firstMessageId}` })]);

    // The same adjustment published again: delivered, answered duplicate, nothing changed.
    const againMessageId = await publish(grant);
    const lines = await eventually(
      async () => linesOfMessage(againMessageId),
      (found) => found.some((l) => l.message === 'adjustments: adjustment already in effect, nothing changed'),
      30_000,
      `applyStreakAdjustment's line for message ${againMessageId}`,
    );
    expect(lines.find((l) => l.status !== undefined)).toMatchObject({ adjustmentId: grant.adjustmentId, userId: uid, status: 'duplicate' });
    expect(await app.getMyStreak()).toMatchObject({ version: mine.version, currentStreak: 2, frozenDates: [gap], freezesAvailable: 0 });

    // A second purchase, effective today, is held: one freeze (two, had the first grant counted twice).
    const second = { ...grant, adjustmentId: `purchase-${uid}-2`, effectiveFrom: today } satisfies StreakAdjustmentMessage;
    await publish(second);
    const held = await eventuallyWithRelay(() => streakDoc(uid), (d) => typeof d?.freezesAvailable === 'number' && d.freezesAvailable > 0, 60_000, `streaks/${uid} holding a freeze (Admin SDK)`);
    expect(held).toMatchObject({ freezesAvailable: 1, frozenDates: [gap] });
    expect(await app.getMyStreak()).toMatchObject({ currentStreak: 2, freezesAvailable: 1, frozenDates: [gap] });
    expect((await listAdjustments(db.pool, uid)).map((a) => [a.adjustmentId, a.actor])).toEqual([
      [grant.adjustmentId, `topic:${firstMessageId}`],
      [second.adjustmentId, expect.stringMatching(/^topic:/)],
    ]);
  }, 180_000);

  it('a freeze an operator grants with adjust-streaks keeps a streak alive on the friends board, once however often the command runs', async () => {
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const [pia, quinn] = [appClient(`pia-${stamp}`), appClient(`quinn-${stamp}`)];
    apps.push(pia, quinn);
    const piaUid = await pia.signIn(`pia-${stamp}@example.com`);
    const quinnUid = await quinn.signIn(`quinn-${stamp}@example.com`);
    const today = localDateOf(Date.now(), zone);
    // Pia qualified three and two days ago and missed yesterday: expired. Quinn qualified yesterday: alive.
    await pia.acceptFocusSession(session('pia-1', addDays(today, -3)));
    await pia.acceptFocusSession(session('pia-2', addDays(today, -2)));
    await quinn.acceptFocusSession(session('quinn-1', addDays(today, -1)));
    await pia.call('addFriend', { friendId: quinnUid });
    await quinn.call('addFriend', { friendId: piaUid });
    const board = async () => (await pia.call<GetFriendsLeaderboardResponse>('getFriendsLeaderboard', {})).entries.map((e) => [e.userId, e.currentStreak, e.active]);
    expect(await board()).toEqual([[quinnUid, 1, true], [piaUid, 2, false]]);

    const grant = ['grant-freezes', '--user', piaUid, '--count', '1', '--effective', addDays(today, -3), '--reason', 'support ticket (emulator suite)'];
    const first = await runScript('adjust-streaks.ts', grant, stack().databaseUrl);
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
    const again = await runScript('adjust-streaks.ts', [...grant, '--json'], stack().databaseUrl);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcomes: [expect.objectContaining({ status: 'duplicate' })] });

    // Yesterday is frozen, so Pia's two-date streak is alive and leads the board.
    expect(await pia.getMyStreak()).toMatchObject({ currentStreak: 2, active: true, frozenDates: [addDays(today, -1)], freezesAvailable: 0 });
    expect(await board()).toEqual([[piaUid, 2, true], [quinnUid, 1, true]]);
    await eventuallyWithRelay(() => streakDoc(piaUid), (d) => sameDates(d?.frozenDates, [addDays(today, -1)]), 60_000, `streaks/${piaUid} with yesterday frozen (Admin SDK)`);
    expect((await listAdjustments(db.pool, piaUid)).map((a) => [a.kind, a.count, a.actor.startsWith('cli:')])).toEqual([['grant-freezes', 1, true]]);
  }, 180_000);
});
