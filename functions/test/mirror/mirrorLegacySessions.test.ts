import { sql } from 'slonik';
import { z } from 'zod';
import { deleteAccount } from '../../src/account/deleteAccount';
import { logs as accountLogs } from '../../src/account/logs';
import { acceptSession } from '../../src/accept/acceptSession';
import { SessionConflictError } from '../../src/accept/SessionConflictError';
import { isMirroredSession, MIRROR_MARKER, mirrorDocumentId } from '../../src/legacy';
import { InMemoryLegacySessionMirror } from '../../src/mirror/InMemoryLegacySessionMirror';
import { logs } from '../../src/mirror/logs';
import { mirrorLegacySessions } from '../../src/mirror/mirrorLegacySessions';
import type { LegacySessionMirror } from '../../src/firebase/legacySessionMirror';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// The reverse mirror: with MIRROR_TO_LEGACY a callable's session is queued in the accept's own
// transaction, and the mirror pass writes it to legacy sessions/{docId} in the legacy shape, once,
// however often it runs; a failed write waits out its backoff; a deleted user's sessions never stay.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(async () => {
  silenceLogs(logs);
  silenceLogs(accountLogs);
  // Each case counts what one pass claims: nothing left over from the case before.
  await db.pool.query(sql.unsafe`delete from legacy_mirror`);
});
afterAll(async () => {
  await db.close();
});

let seq = 0;
const user = () => `mirror-${++seq}`;
const START = Date.parse('2025-06-02T07:00:00Z');
const session = (minutes = 40) => ({ startMs: START, endMs: START + minutes * 60_000, timeZone: 'Europe/Paris' });
const accept = (userId: string, sessionId: string, options: { mirror?: boolean; source?: 'callable' | 'bridge'; minutes?: number } = {}) =>
  acceptSession(db.pool, { userId, sessionId, session: session(options.minutes), source: options.source ?? 'callable' }, { qualifySeconds: 1800, mirror: options.mirror ?? true });
const queued = (userId: string) =>
  db.pool.any(sql.type(z.object({ sessionId: z.string(), mirrored: z.boolean(), attempts: z.number(), lastError: z.string().nullable() }))`
    select session_id as "sessionId", mirrored_at is not null as mirrored, attempts, last_error as "lastError" from legacy_mirror where user_id = ${userId} order by session_id`);
/** Rows due now, as if their backoff or lease had run out. */
const dueNow = () => db.pool.query(sql.unsafe`update legacy_mirror set next_attempt_at = now() - interval '1 millisecond' where mirrored_at is null`);

describe('the reverse mirror', () => {
  it('queues a callable session in the accept transaction only with the mirror on, and never a duplicate, a conflict or a legacy source', async () => {
    const on = user();
    await accept(on, 's1');
    await expect(accept(on, 's1')).resolves.toMatchObject({ accepted: false });
    await expect(accept(on, 's1', { minutes: 41 })).rejects.toBeInstanceOf(SessionConflictError);
    expect(await queued(on)).toEqual([{ sessionId: 's1', mirrored: false, attempts: 0, lastError: null }]);
    const off = user();
    await accept(off, 's1', { mirror: false });
    const bridged = user();
    await accept(bridged, 's1', { source: 'bridge' });
    expect([...(await queued(off)), ...(await queued(bridged))]).toEqual([]);
  });

  it('writes each queued session once, in the legacy shape with the server marker, under an id no legacy document has', async () => {
    const u = user();
    await accept(u, 'a');
    await accept(u, 'b');
    const mirror = new InMemoryLegacySessionMirror();
    await expect(mirrorLegacySessions(db.pool, mirror)).resolves.toMatchObject({ claimed: 2, written: 2, failed: 0, compensated: 0 });
    const id = mirrorDocumentId(u, 'a');
    expect(mirror.documents.get(id)).toEqual({ userId: u, startTime: START, endTime: START + 40 * 60_000, timezone: 'Europe/Paris', [MIRROR_MARKER]: true });
    expect(isMirroredSession(mirror.documents.get(id))).toBe(true);
    // Legacy documents are created under rules that allow only [A-Za-z0-9_-]{1,128} as ids.
    expect(id).not.toMatch(/^[A-Za-z0-9_-]{1,128}$/);
    expect(mirrorDocumentId(u, 'a')).toBe(id);
    expect(mirrorDocumentId(`${u}x`, 'a')).not.toBe(id);
    expect(await queued(u)).toEqual([
      { sessionId: 'a', mirrored: true, attempts: 0, lastError: null },
      { sessionId: 'b', mirrored: true, attempts: 0, lastError: null },
    ]);
    await expect(mirrorLegacySessions(db.pool, mirror)).resolves.toMatchObject({ claimed: 0, written: 0 });
  });

  it('backs a failed write off with the error kept, and writes it on a later pass: Firestore down delays the mirror, loses nothing', async () => {
    const u = user();
    await accept(u, 'down');
    const mirror = new InMemoryLegacySessionMirror();
    mirror.fail = new Error('14 UNAVAILABLE: firestore is down');
    await expect(mirrorLegacySessions(db.pool, mirror)).resolves.toMatchObject({ claimed: 1, written: 0, failed: 1 });
    expect(await queued(u)).toEqual([{ sessionId: 'down', mirrored: false, attempts: 1, lastError: '14 UNAVAILABLE: firestore is down' }]);
    // Not due again before its backoff.
    mirror.fail = null;
    await expect(mirrorLegacySessions(db.pool, mirror)).resolves.toMatchObject({ claimed: 0 });
    await dueNow();
    await expect(mirrorLegacySessions(db.pool, mirror)).resolves.toMatchObject({ claimed: 1, written: 1 });
    expect(mirror.documents.has(mirrorDocumentId(u, 'down'))).toBe(true);
  });

  it('gives two runs at once different rows: a claimed row is leased, not written twice', async () => {
    const u = user();
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5']) await accept(u, id);
    const mirror = new InMemoryLegacySessionMirror();
    const writes: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstWriting!: () => void;
    const writing = new Promise<void>((resolve) => (firstWriting = resolve));
    // The first run holds its batch in Firestore until the second run has claimed and written its own.
    const slow: LegacySessionMirror = {
      write: async (sessions) => {
        writes.push(...sessions.map((x) => x.sessionId));
        firstWriting();
        await released;
        await mirror.write(sessions);
      },
      remove: (sessions) => mirror.remove(sessions),
    };
    const fast: LegacySessionMirror = {
      write: async (sessions) => {
        writes.push(...sessions.map((x) => x.sessionId));
        await mirror.write(sessions);
      },
      remove: (sessions) => mirror.remove(sessions),
    };
    const first = mirrorLegacySessions(db.pool, slow, { batchSize: 3 });
    await writing;
    const second = await mirrorLegacySessions(db.pool, fast, { batchSize: 3 });
    release();
    const summaries = [await first, second];
    expect(summaries.map((x) => x.written)).toEqual([3, 2]);
    expect(writes.sort()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect((await queued(u)).every((row) => row.mirrored)).toBe(true);
    expect(mirror.documents.size).toBe(5);
  });

  it('never leaves the mirror of a session whose user was deleted while the pass wrote it', async () => {
    const u = user();
    await accept(u, 'gone');
    const mirror = new InMemoryLegacySessionMirror();
    // The deletion commits between the write and the mark: its own Firestore step may already be over.
    const deletingMirror: LegacySessionMirror = {
      write: async (sessions) => {
        await mirror.write(sessions);
        await deleteAccount(u, { db: db.pool, documents: null, now: Date.now, by: 'test' });
      },
      remove: (sessions) => mirror.remove(sessions),
    };
    await expect(mirrorLegacySessions(db.pool, deletingMirror)).resolves.toMatchObject({ claimed: 1, written: 0, compensated: 1 });
    expect(mirror.documents.has(mirrorDocumentId(u, 'gone'))).toBe(false);
  });

  it('drops the queued sessions of a deleted user with their data: nothing is written afterwards', async () => {
    const u = user();
    await accept(u, 'x');
    await deleteAccount(u, { db: db.pool, documents: null, now: Date.now, by: 'test' });
    expect(await queued(u)).toEqual([]);
    const mirror = new InMemoryLegacySessionMirror();
    await dueNow();
    await mirrorLegacySessions(db.pool, mirror);
    expect(mirror.documents.has(mirrorDocumentId(u, 'x'))).toBe(false);
  });
});
