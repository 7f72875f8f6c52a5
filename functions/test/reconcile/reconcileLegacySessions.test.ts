import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { deleteUserData } from '../../src/db/accountData';
import { latestParityPasses } from '../../src/db/parityPasses';
import { recordVerifyResult } from '../../src/db/verifyResults';
import { logs as bridgeLogs } from '../../src/bridge/logs';
import { isPassDue } from '../../src/reconcile/isPassDue';
import type { LegacySessionDoc, LegacySessionWindow } from '../../src/reconcile/legacySessionWindow';
import type { StreakProjections } from '../../src/reconcile/streakProjections';
import { logs } from '../../src/reconcile/logs';
import { reconcilePass } from '../../src/reconcile/reconcileLegacySessions';
import { useTestRuntime } from '../support/callableTestRuntime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

const MINUTE = 60_000;

/** Legacy sessions/{id} documents in memory, read as Firestore reads them: by creation time, then id. */
class LegacyDocs implements LegacySessionWindow {
  docs: LegacySessionDoc[] = [];
  reads: Array<{ fromMs: number; toMs: number }> = [];
  add(id: string, createdAtMs: number, data: Record<string, unknown>): void {
    this.docs.push({ path: `sessions/${id}`, id, createdAtMs, data, cursor: createdAtMs });
  }
  async page(range: { fromMs: number; toMs: number }, after: LegacySessionDoc | null, limit: number) {
    this.reads.push(range);
    const key = (d: LegacySessionDoc) => [d.createdAtMs, d.id] as const;
    const later = (a: readonly [number, string], b: readonly [number, string]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
    return this.docs
      .filter((d) => d.createdAtMs >= range.fromMs && d.createdAtMs < range.toMs && (!after || later(key(d), key(after))))
      .sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id))
      .slice(0, limit);
  }
}

class Projections implements StreakProjections {
  documents = new Map<string, Record<string, unknown>>();
  async read(userIds: readonly string[]) {
    return new Map(userIds.flatMap((id) => (this.documents.has(id) ? [[id, this.documents.get(id)!] as const] : [])));
  }
}

describe('reconcileLegacySessions', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    for (const table of ['parity_samples', 'parity_passes', 'backfill_rejects', 'streak_outbox', 'user_streaks', 'streak_runs', 'daily_focus', 'focus_sessions', 'users', 'deleted_users']) {
      await db.pool.query(sql.unsafe`delete from ${sql.identifier([table])}`);
    }
    for (const log of [logs, bridgeLogs]) for (const name of Object.keys(log)) jest.spyOn(log as unknown as Record<string, () => void>, name).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const session = (userId: string, startIso: string, minutes = 40) => ({
    userId,
    startTime: startIso,
    endTime: new Date(Date.parse(startIso) + minutes * MINUTE).toISOString(),
    timezone: 'Europe/Paris',
  });
  const stored = (userId: string, sessionId: string) =>
    db.pool.maybeOneFirst(sql.type(z.object({ source: z.string() }))`select source from focus_sessions where user_id = ${userId} and session_id = ${sessionId}`);
  const rejectOf = (path: string) => db.pool.maybeOneFirst(sql.type(z.object({ reason: z.string() }))`select reason from backfill_rejects where run_id is null and document_path = ${path}`);

  it('ingests what SQL lacks through the bridge (a lost event), records the pass, and finds nothing missing the next time', async () => {
    const now = Date.now();
    const runtime = useTestRuntime(db, new Date(now).toISOString());
    const legacy = new LegacyDocs();
    legacy.add('bridged', now - 50 * MINUTE, session('ann', '2025-03-09T08:00:00Z'));
    legacy.add('lost', now - 40 * MINUTE, session('ann', '2025-03-10T08:00:00Z'));
    legacy.add('too-long', now - 30 * MINUTE, session('bob', '2025-03-10T08:00:00Z', 25 * 60));
    legacy.add('no-owner', now - 20 * MINUTE, { startTime: '2025-03-10T08:00:00Z', endTime: '2025-03-10T09:00:00Z' });
    // The bridge saw the first one; the other events were lost.
    const { ingestLegacySession } = await import('../../src/ingest/ingestLegacySession');
    await ingestLegacySession(runtime, { path: 'sessions/bridged', sessionId: 'bridged', data: legacy.docs[0]!.data });

    const first = await reconcilePass(runtime, { legacy, projections: new Projections() });
    expect(first.ingest).toEqual({ checked: 4, missing: 3, ingested: 1, duplicates: 0, rejected: 2, failed: 0 });
    expect(await stored('ann', 'lost')).toBe('bridge');
    expect(await rejectOf('sessions/too-long')).toBe('too_long');
    expect(await rejectOf('sessions/no-owner')).toBe('missing_user');
    const [pass] = await latestParityPasses(db.pool, 'ingest');
    expect(pass).toMatchObject({ counts: first.ingest, windowFromMs: now - 24 * 60 * MINUTE, windowToMs: now - 120_000 });
    expect(pass!.samples.map((s) => [s.userId, s.detail.path, s.detail.outcome])).toEqual([
      ['ann', 'sessions/lost', 'accepted'],
      ['bob', 'sessions/too-long', 'rejected'],
      ['', 'sessions/no-owner', 'rejected'],
    ]);

    runtime.setNow(new Date(now + 10 * MINUTE).toISOString());
    const second = await reconcilePass(runtime, { legacy, projections: new Projections() });
    expect(second.ingest).toMatchObject({ missing: 0, ingested: 0, rejected: 0 });
    // It started where the first ended, minus the 30-minute margin, and leaves the last 2 minutes to the bridge.
    expect(legacy.reads[legacy.reads.length - 1]).toEqual({ fromMs: now - 120_000 - 30 * MINUTE, toMs: now + 10 * MINUTE - 120_000 });
    expect(second.ingest!.checked).toBe(2);
  });

  it("refuses a deleted user's legacy session written before the deletion, as the bridge does", async () => {
    const now = Date.now();
    const runtime = useTestRuntime(db, new Date(now).toISOString());
    await acceptSession(db.pool, { userId: 'gone', sessionId: 'kept-before', session: { startMs: Date.parse('2025-03-08T08:00:00Z'), endMs: Date.parse('2025-03-08T09:00:00Z'), timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: 1800 });
    await deleteUserData(db.pool, 'gone', { accountDeleted: false });
    const legacy = new LegacyDocs();
    legacy.add('old', now - 10 * MINUTE, session('gone', '2025-03-09T08:00:00Z'));
    const pass = await reconcilePass(runtime, { legacy, projections: new Projections() });
    expect(pass.ingest).toMatchObject({ missing: 1, ingested: 0, rejected: 1 });
    expect(await rejectOf('sessions/old')).toBe('deleted_user');
    expect(await stored('gone', 'old')).toBeNull();
  });

  it('leaves a document it could not ingest to the next pass: the window ends before it', async () => {
    const now = Date.now();
    const runtime = useTestRuntime(db, new Date(now).toISOString());
    const legacy = new LegacyDocs();
    legacy.add('a', now - 50 * MINUTE, session('cid', '2025-03-09T08:00:00Z'));
    legacy.add('b', now - 40 * MINUTE, session('cid', '2025-03-10T08:00:00Z'));
    const { checkIngestParity } = await import('../../src/reconcile/checkIngestParity');
    const pass = await checkIngestParity(runtime, legacy, {
      previousWindowToMs: null,
      marginMs: 30 * MINUTE,
      settleMs: 120_000,
      timeBudgetMs: 60_000,
      ingest: async (_rt, doc) => {
        if (doc.sessionId === 'a') throw Object.assign(new Error('database unreachable'), { code: 'db/unavailable' });
        return { status: 'accepted' };
      },
    });
    expect(pass.counts).toMatchObject({ missing: 2, ingested: 1, failed: 1 });
    expect(pass.windowToMs).toBe(now - 50 * MINUTE);
    expect(logs.ingestFailed).toHaveBeenCalledWith({ path: 'sessions/a', error: 'database unreachable' });
  });

  it('reports a projection behind past the threshold and one different at the same version, and tells those still in flight', async () => {
    const now = Date.now();
    const runtime = useTestRuntime(db, new Date(now).toISOString());
    const day = (userId: string, date: string) =>
      acceptSession(db.pool, { userId, sessionId: `${userId}-${date}`, session: { startMs: Date.parse(`${date}T08:00:00Z`), endMs: Date.parse(`${date}T08:45:00Z`), timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: 1800 });
    for (const user of ['equal', 'behind', 'different', 'recent']) await day(user, '2025-03-09');
    await day('behind', '2025-03-10');
    // behind's version 2 was written 10 minutes ago and its projection still holds version 1.
    await db.pool.query(sql.unsafe`update user_streaks set updated_at = now() - interval '10 minutes' where user_id = 'behind'`);
    const projections = new Projections();
    const doc = (version: number, currentStreak: number) => ({ version, currentStreak, longestStreak: currentStreak, lastQualifiedDate: currentStreak === 2 ? '2025-03-10' : '2025-03-09', qualifiedDaysCount: currentStreak, timezone: 'UTC' });
    projections.documents.set('equal', doc(1, 1));
    projections.documents.set('behind', doc(1, 1));
    projections.documents.set('different', { ...doc(1, 1), currentStreak: 7 });
    // 'recent' has no document yet: its change is seconds old.

    const pass = await reconcilePass(runtime, { legacy: new LegacyDocs(), projections });
    expect(pass.projection).toEqual({ sampled: 4, behind: 1, different: 1, inFlight: 1 });
    const [stored] = await latestParityPasses(db.pool, 'projection');
    expect(stored!.samples).toEqual([
      { userId: 'behind', finding: 'behind', detail: { sqlVersion: 2, firestoreVersion: 1, behindSeconds: expect.any(Number) } },
      { userId: 'different', finding: 'different', detail: { version: 1, fields: { currentStreak: { firestore: 7, sql: 1 } } } },
    ]);
    // Past the 300-second threshold (PROJECTION_LAG_SECONDS' default).
    expect(stored!.samples[0]!.detail.behindSeconds as number).toBeGreaterThan(300);
    expect(Number(stored!.outboxHighId)).toBeGreaterThan(0);

    // The next pass samples changes at least one pass old: a user changed since waits for the pass after.
    await day('later', '2025-03-09');
    const next = await reconcilePass(runtime, { legacy: new LegacyDocs(), projections });
    expect(next.projection).toMatchObject({ sampled: 4 });
    const after = await reconcilePass(runtime, { legacy: new LegacyDocs(), projections });
    expect(after.projection).toMatchObject({ sampled: 1, inFlight: 1 });
  });

  it("keeps no finding about a user once the user's data is deleted (nor verify's sample)", async () => {
    const now = Date.now();
    const runtime = useTestRuntime(db, new Date(now).toISOString());
    const legacy = new LegacyDocs();
    legacy.add('found', now - 10 * MINUTE, session('dana', '2025-03-09T08:00:00Z'));
    await reconcilePass(runtime, { legacy, projections: new Projections() });
    await recordVerifyResult(db.pool, { source: 'test', counts: { mismatch: 1 }, mismatches: [{ userId: 'dana', verdict: 'mismatch', differences: [] }] }, 30);
    const findings = () =>
      db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
        select (select count(*)::int from parity_samples where user_id = 'dana') + (select count(*)::int from verify_mismatches where user_id = 'dana') as n`);
    expect(await findings()).toBe(2);
    await deleteUserData(db.pool, 'dana', { accountDeleted: false });
    expect(await findings()).toBe(0);
  });

  it('runs a pass on the minutes RECONCILE_EVERY_MINUTES picks, and never when it is 0', () => {
    const at = (iso: string) => Date.parse(iso);
    expect(isPassDue(at('2025-03-10T12:10:00Z'), 10)).toBe(true);
    expect(isPassDue(at('2025-03-10T12:13:00Z'), 10)).toBe(false);
    expect(isPassDue(at('2025-03-10T12:13:00Z'), 1)).toBe(true);
    expect(isPassDue(at('2025-03-10T12:00:00Z'), 0)).toBe(false);
    // Cloud Scheduler's schedule time is on the minute; a tick a moment early still counts as its minute.
    expect(isPassDue(at('2025-03-10T12:09:59.800Z'), 10)).toBe(true);
  });
});
