import firebaseFunctionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { readConfig } from '../../src/config';
import { bridgeLegacySession } from '../../src/index';
import { logs } from '../../src/bridge/logs';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { setRuntime } from '../../src/runtime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

const fft = firebaseFunctionsTest({ projectId: 'demo-focus-streaks' });
const bridge = fft.wrap(bridgeLegacySession);
const NOW = Date.parse('2025-03-10T12:00:00Z');

function created(path: string, data: Record<string, unknown>, time = new Date(NOW).toISOString()) {
  const snapshot = fft.firestore.makeDocumentSnapshot(data, path);
  return bridge({ data: snapshot, params: { sessionId: path.split('/').pop() }, time } as never);
}

describe('bridgeLegacySession (legacy sessions/{id} → the accept path)', () => {
  let db: TestDatabase;
  let publisher: InMemoryPublisher;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(() => {
    publisher = new InMemoryPublisher();
    setRuntime({ config: readConfig({ ...process.env, PUBLISH_TIMEOUT_MS: '200' }), db, publisher, now: () => NOW });
    for (const name of Object.keys(logs) as Array<keyof typeof logs>) jest.spyOn(logs, name).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    setRuntime(undefined);
    fft.cleanup();
    await db.close();
  });

  const stored = (id: string) =>
    db.pool.maybeOne(sql.type(z.object({ user_id: z.string(), source: z.string(), timezone: z.string() }))`
      select user_id, source, timezone from focus_sessions where session_id = ${id}`);
  const rejectOf = (path: string) =>
    db.pool.maybeOne(sql.type(z.object({ reason: z.string(), run_id: z.string().nullable() }))`
      select reason, run_id from backfill_rejects where document_path = ${path}`);

  it('is a Firestore document-created trigger (with the writer\'s auth context) on sessions/{sessionId} that asks for retries', () => {
    expect(bridgeLegacySession.__endpoint.eventTrigger).toMatchObject({
      eventType: 'google.cloud.firestore.document.v1.created.withAuthContext',
      eventFilterPathPatterns: { document: 'sessions/{sessionId}' },
      retry: true,
    });
  });

  it("ignores the reverse mirror's copy of a callable session: nothing stored, nothing rejected, nothing retried", async () => {
    const { Timestamp } = await import('firebase-admin/firestore');
    const { MIRROR_MARKER, mirrorDocumentId } = await import('../../src/legacy');
    const path = `sessions/${mirrorDocumentId('mia', 'from-the-callable')}`;
    const copy = { userId: 'mia', startTime: Timestamp.fromMillis(Date.parse('2025-03-09T09:00:00Z')), endTime: Timestamp.fromMillis(Date.parse('2025-03-09T09:45:00Z')), timezone: 'Europe/Paris', [MIRROR_MARKER]: true };
    await created(path, copy);
    expect(await db.pool.anyFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from focus_sessions where user_id = 'mia'`)).toEqual([0]);
    expect(await rejectOf(path)).toBeNull();
    expect(logs.mirrorIgnored).toHaveBeenCalledWith({ path });
  });

  it('accepts a legacy session written with Firestore Timestamps, publishes the new streak, and is idempotent', async () => {
    const { Timestamp } = await import('firebase-admin/firestore');
    const doc = { userId: 'ann', startTime: Timestamp.fromMillis(Date.parse('2025-03-09T09:00:00Z')), endTime: Timestamp.fromMillis(Date.parse('2025-03-09T09:45:00Z')), timezone: 'Europe/Paris', durationMinutes: 3 };
    await created('sessions/b1', doc);
    expect(await stored('b1')).toEqual({ user_id: 'ann', source: 'bridge', timezone: 'Europe/Paris' });
    expect(publisher.published).toEqual([expect.objectContaining({ userId: 'ann', version: 1, currentStreak: 1, lastQualifiedDate: '2025-03-09' })]);
    expect(logs.accepted).toHaveBeenCalledWith({ sessionId: 'b1', userId: 'ann', duplicate: false });
    // A redelivered event, or the backfill reading the same document later, changes nothing.
    await created('sessions/b1', doc);
    expect(logs.accepted).toHaveBeenLastCalledWith({ sessionId: 'b1', userId: 'ann', duplicate: true });
    expect(publisher.published).toHaveLength(1);
  });

  it('stores a legacy session in zone CET as Europe/Brussels, credited to 2025-07-02 as summer time says', async () => {
    setRuntime({ config: readConfig({ ...process.env, PUBLISH_TIMEOUT_MS: '200' }), db, publisher, now: () => Date.parse('2025-07-02T12:00:00Z') });
    await created('sessions/cet1', { userId: 'cem', startTime: '2025-07-01T22:10:00Z', endTime: '2025-07-01T22:50:00Z', timezone: 'CET' }, '2025-07-02T12:00:00Z');
    expect(await stored('cet1')).toEqual({ user_id: 'cem', source: 'bridge', timezone: 'Europe/Brussels' });
    const days = await db.pool.any(sql.type(z.object({ d: z.string(), s: z.number() }))`
      select to_char(local_date, 'YYYY-MM-DD') as d, focus_seconds as s from daily_focus where user_id = 'cem'`);
    expect(days).toEqual([{ d: '2025-07-02', s: 2400 }]);
    expect(publisher.published).toEqual([expect.objectContaining({ userId: 'cem', lastQualifiedDate: '2025-07-02', timezone: 'Europe/Brussels' })]);
  });

  it('takes the zone from the users backfill when the document has none', async () => {
    await db.pool.query(sql.unsafe`insert into users (id, legacy_timezone) values ('bea', 'Asia/Kathmandu')`);
    await created('sessions/b2', { userId: 'bea', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z' });
    expect(await stored('b2')).toMatchObject({ timezone: 'Asia/Kathmandu' });
  });

  it.each([
    ['sessions/bad1', { userId: 'ann', startTime: 1741510800, endTime: 1741513500, timezone: 'UTC' }, 'implausible_time'],
    ['sessions/bad2', { startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' }, 'missing_user'],
    ['sessions/bad3', { userId: 'cid', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z' }, 'missing_timezone'],
    ['sessions/bad4', { userId: 'ann', startTime: '2025-03-09T09:45:00Z', endTime: '2025-03-09T09:00:00Z', timezone: 'UTC' }, 'end_not_after_start'],
  ])('records %s as a reject (%#) and never throws for bad data', async (path, data, reason) => {
    await expect(created(path, data)).resolves.toBeUndefined();
    expect(await rejectOf(path)).toEqual({ reason, run_id: null });
    expect(logs.rejected).toHaveBeenCalledWith(expect.objectContaining({ path, reason }));
    await expect(created(path, data)).resolves.toBeUndefined(); // a redelivery is still one row
  });

  it('records a session id stored with other content as a conflict', async () => {
    await created('sessions/b3', { userId: 'ann', startTime: '2025-03-08T09:00:00Z', endTime: '2025-03-08T09:45:00Z', timezone: 'UTC' });
    await created('sessions/b3', { userId: 'ann', startTime: '2025-03-08T09:00:00Z', endTime: '2025-03-08T10:45:00Z', timezone: 'UTC' });
    expect(await rejectOf('sessions/b3')).toEqual({ reason: 'conflict', run_id: null });
  });

  it('throws while the database is unreachable, so the event is retried, but drops an event a day old', async () => {
    // Port 1 on loopback refuses at once: nothing leaves this machine.
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgresql://postgres@127.0.0.1:1/none';
    setRuntime(undefined);
    try {
      const doc = { userId: 'ann', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' };
      await expect(created('sessions/b4', doc, new Date().toISOString())).rejects.toBeDefined();
      expect(logs.retrying).toHaveBeenCalled();
      await expect(created('sessions/b4', doc, new Date(Date.now() - 25 * 3_600_000).toISOString())).resolves.toBeUndefined();
      expect(logs.dropped).toHaveBeenCalled();
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      setRuntime(undefined);
    }
  });
});
