import { FirebaseError } from 'firebase/app';
import { setLogLevel } from 'firebase/firestore';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import type { SetDayStartResponse } from '../../src/contract/callables';
import type { Database } from '../../src/db/pool';
import { listAdjustments } from '../../src/db/streakAdjustments';
import { adminDocument, appClient, eventuallyWithRelay, functionsDatabase } from './support/stack';

// setDayStart as deployed, called by the client SDK signed in against the Auth emulator: the answer
// names the user's next date, and streaks/{uid} carries the minutes once the change is projected.
// The change's projection goes out with the outbox relay (the spec ticks it, as Cloud Scheduler would).
setLogLevel('silent');

let db: Database;
const apps: AppClient[] = [];
beforeAll(async () => {
  db = await functionsDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await db?.close();
});

const newApp = (name: string) => {
  const app = appClient(`${name}-${Date.now()}`);
  apps.push(app);
  return app;
};
const streakDoc = (uid: string) => adminDocument(`streaks/${uid}`);

// The user lives where it is about noon now, so no local midnight falls within the spec's minutes: the
// next date cannot move under it. Etc/GMT-N is UTC+N (POSIX signs).
const offsetHours = 12 - new Date().getUTCHours();
const zone = offsetHours === 0 ? 'Etc/UTC' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
const offset = `${offsetHours < 0 ? '-' : '+'}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
const DAY_MS = 86_400_000;
/** The calendar date at `ms` in the user's zone, by the runtime's ICU: not the code under test. */
const dateIn = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

describe('setDayStart through the emulators', () => {
  it('answers the next date, and streaks/{uid} carries the minutes once projected; the same minutes again answer the same', async () => {
    const app = newApp('owl');
    const uid = await app.signIn(`owl-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
    const [yesterday, tomorrow] = [dateIn(Date.now() - DAY_MS), dateIn(Date.now() + DAY_MS)];
    // A night session yesterday at 02:00: inside a 04:00 day start's night, yet it stays on yesterday.
    const accepted = await app.acceptFocusSession({ sessionId: 'owl-1', startTime: `${yesterday}T02:00:00${offset}`, endTime: `${yesterday}T02:40:00${offset}`, timezone: zone });
    expect(accepted).toMatchObject({ accepted: true, streak: { version: 1, lastQualifiedDate: yesterday } });
    await eventuallyWithRelay(() => streakDoc(uid), (d) => d?.version === 1, 30_000, `streaks/${uid} at version 1 (Admin SDK)`);

    const answer = await app.call<SetDayStartResponse>('setDayStart', { minutes: 240 });
    expect(answer).toEqual({ dayStartMinutes: 240, effectiveFrom: tomorrow });
    const projected = await eventuallyWithRelay(() => streakDoc(uid), (d) => d?.dayStartMinutes === 240, 60_000, `streaks/${uid} with dayStartMinutes 240 (Admin SDK)`);
    expect(projected!.version).toBeGreaterThan(1);

    const mine = await app.getMyStreak();
    expect(mine).toMatchObject({ version: projected!.version, dayStartMinutes: 240, currentStreak: 1, lastQualifiedDate: yesterday });
    // The app's own read, under the rules.
    expect(await app.readStreakDocument(uid)).toMatchObject({ userId: uid, version: mine.version, dayStartMinutes: 240, lastQualifiedDate: yesterday });

    expect(await app.call<SetDayStartResponse>('setDayStart', { minutes: 240 })).toEqual(answer);
    expect((await listAdjustments(db.pool, uid)).map((a) => [a.kind, a.minutes, a.date, a.actor])).toEqual([['day-start', 240, tomorrow, `user:${uid}`]]);
    expect(await app.getMyStreak()).toMatchObject({ version: mine.version, dayStartMinutes: 240 });
  }, 180_000);

  it('refuses a signed-out call and minutes off the quarter hour', async () => {
    const nobody = newApp('nobody');
    const signedOut = await nobody.call('setDayStart', { minutes: 240 }).catch((e: unknown) => e);
    expect(signedOut).toBeInstanceOf(FirebaseError);
    expect((signedOut as FirebaseError).code).toBe('functions/unauthenticated');

    const app = newApp('odd');
    const uid = await app.signIn(`odd-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
    await expect(app.call('setDayStart', { minutes: 10 })).rejects.toMatchObject({ code: 'functions/invalid-argument' });
    expect(await listAdjustments(db.pool, uid)).toEqual([]);
  });
});
