import path from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import type { Database } from '../../src/db/pool';
import { readStreak } from '../../src/db/userStreaks';
import { adminFirestore, eventually, functionsDatabase, stack } from './support/stack';
import { expectExit, readJson, runCli, stopCliChildren, tempDir } from './support/migrationCli';

// `npm run reproject` end to end: sessions accepted into the emulated functions' database, the CLI as a
// child process against that database, relayStreakOutbox run as Cloud Scheduler runs a 2nd gen scheduled
// function (an HTTP request to it: the Functions emulator serves onSchedule functions over HTTP, and its
// Pub/Sub emulator does not deliver schedule-topic messages to them), publishing to streak-updated, and
// projectStreak writing streaks/{uid} in the Firestore emulator.

jest.setTimeout(180_000);

const payloadRow = z.object({ payload: z.object({ streakExpiresAt: z.string().nullable(), updatedAt: z.string() }).passthrough() });

describe('reproject against the emulated functions', () => {
  const stamp = Date.now().toString(36);
  const [ana, ben] = [`rp-${stamp}-ana`, `rp-${stamp}-ben`];
  const dir = tempDir('reproject-');
  const firestore = adminFirestore();
  let db: Database;

  beforeAll(async () => {
    db = await functionsDatabase();
  });
  afterAll(async () => {
    await stopCliChildren();
    await db?.close();
  });

  /** One pass of relayStreakOutbox in the Functions emulator, invoked as Cloud Scheduler invokes it; resolves when the pass ended. */
  async function tickRelay(): Promise<void> {
    const { ports, projectId } = stack();
    // The emulator keys event-style triggers (scheduled ones included) as <region>-<name>-0.
    const response = await fetch(`http://127.0.0.1:${ports.functions}/functions/projects/${projectId}/triggers/us-central1-relayStreakOutbox-0`, {
      method: 'POST',
      headers: { 'X-CloudScheduler-JobName': 'reproject-test', 'X-CloudScheduler-ScheduleTime': new Date().toISOString() },
    });
    if (response.status !== 200) throw new Error(`relayStreakOutbox answered ${response.status}: ${await response.text()}`);
  }

  const documentOf = async (uid: string) => (await firestore.doc(`streaks/${uid}`).get()).data();
  const reproject = (args: string[]) => runCli('reproject.ts', args, stack().databaseUrl);

  /** Ticks relayStreakOutbox until `uid`'s document holds `version` (a tick can find a row leased or backing off). */
  async function relayUntil(uid: string, version: number) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      await tickRelay();
      try {
        return await eventually(() => documentOf(uid), (d) => d?.version === version, 5_000, `streaks/${uid} at version ${version}`);
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  /** The document holds SQL's streak: the values of user_streaks and the instants of its newest event. */
  async function expectProjected(uid: string) {
    const streak = (await readStreak(db.pool, uid))!;
    const { payload } = await db.pool.one(sql.type(payloadRow)`
      select payload from streak_outbox where user_id = ${uid} order by version desc limit 1`);
    const doc = (await documentOf(uid))!;
    expect(doc).toEqual({
      userId: uid,
      version: streak.version,
      currentStreak: streak.currentStreak,
      longestStreak: streak.longestStreak,
      lastQualifiedDate: streak.lastQualifiedDate,
      qualifiedDaysCount: streak.qualifiedDaysCount,
      timezone: streak.timezone,
      streakExpiresAt: payload.streakExpiresAt === null ? null : expect.any(Timestamp),
      updatedAt: expect.any(Timestamp),
      freezesAvailable: streak.freezesAvailable,
      frozenDates: streak.frozenDates,
      dayStartMinutes: streak.dayStartMinutes,
    });
    if (payload.streakExpiresAt !== null) expect((doc.streakExpiresAt as Timestamp).toDate().toISOString()).toBe(payload.streakExpiresAt);
    expect((doc.updatedAt as Timestamp).toDate().toISOString()).toBe(payload.updatedAt);
    return streak.version;
  }

  it('re-queues the chosen users, skips what still waits, and the relay brings their documents to a new version', async () => {
    // Three days for ana (40 min each), one for ben; the accepts leave their rows for the relay.
    for (const [uid, days] of [[ana, [1, 2, 3]], [ben, [1]]] as const) {
      for (const day of days) {
        const startMs = Date.UTC(2025, 1, day, 9);
        const result = await acceptSession(db.pool, { userId: uid, sessionId: `${uid}-s${day}`, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'Europe/Berlin' }, source: 'callable' }, { qualifySeconds: 1800 });
        expect(result.accepted).toBe(true);
      }
    }
    await relayUntil(ana, 3);
    await relayUntil(ben, 1);
    expect(await expectProjected(ana)).toBe(3);
    expect(await expectProjected(ben)).toBe(1);

    // The projection drifted (a manual edit at the same version): the projector alone would never repair it.
    await firestore.doc(`streaks/${ana}`).update({ currentStreak: 99, longestStreak: 99 });

    const report = path.join(dir, 'user.json');
    const run = await reproject(['--user', ana, `rp-${stamp}-nobody`, '--report', report]);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/queued 1 streaks for projection/);
    expect(run.stderr).toContain(`not found (no streak for these users`);
    expect(readJson(report)).toMatchObject({ dryRun: false, eligible: 1, queued: 1, skipped: { waitingInOutbox: 0, neverComputed: 0, notFound: 1 }, notFound: [`rp-${stamp}-nobody`] });
    expect((await readStreak(db.pool, ana))!.version).toBe(4);

    // Asked again before the relay ran: the new version still waits, nothing is added.
    const again = await reproject(['--user', ana, '--report', report]);
    expectExit(again, 0);
    expect(readJson(report)).toMatchObject({ eligible: 0, queued: 0, skipped: { waitingInOutbox: 1 } });
    expect((await readStreak(db.pool, ana))!.version).toBe(4);

    await relayUntil(ana, 4);
    expect(await expectProjected(ana)).toBe(4);
    expect((await documentOf(ana))!.currentStreak).toBe(3);
    // ben was not chosen: untouched.
    expect((await documentOf(ben))!.version).toBe(1);
  });

  it('--all re-queues every user; a lost document comes back at the new version', async () => {
    await firestore.doc(`streaks/${ben}`).delete();
    const report = path.join(dir, 'all.json');
    const run = await reproject(['--all', '--chunk', '2', '--report', report]);
    expectExit(run, 0);
    // Every user of the functions' database with a computed streak, other test files' users included.
    const { queued } = readJson(report);
    expect(queued).toBeGreaterThanOrEqual(2);
    expect((await readStreak(db.pool, ana))!.version).toBe(5);
    expect((await readStreak(db.pool, ben))!.version).toBe(2);

    await relayUntil(ana, 5);
    await relayUntil(ben, 2);
    expect(await expectProjected(ana)).toBe(5);
    expect(await expectProjected(ben)).toBe(2);
    // The relay drained what --all queued.
    const pending = () => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from streak_outbox where published_at is null and superseded_at is null`);
    const deadline = Date.now() + 60_000;
    while ((await pending()) > 0 && Date.now() < deadline) {
      await tickRelay();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(await pending()).toBe(0);
  });

  it('--dry-run queues nothing', async () => {
    const report = path.join(dir, 'dry.json');
    const run = await reproject(['--user', ana, ben, '--dry-run', '--report', report]);
    expectExit(run, 0);
    expect(run.stdout).toMatch(/would queue 2 streaks/);
    expect(readJson(report)).toMatchObject({ dryRun: true, eligible: 2, queued: 0 });
    expect((await readStreak(db.pool, ana))!.version).toBe(5);
  });
});
