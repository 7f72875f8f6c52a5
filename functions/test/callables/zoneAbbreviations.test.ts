import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptFocusSession } from '../../src/index';
import { setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const accept = fft.wrap(acceptFocusSession);
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
const call = (uid: string, data: unknown) => accept({ data, auth: asUser(uid) } as never) as Promise<{ accepted: boolean; streak: Record<string, unknown> }>;

// 22:10–22:50 UTC is 00:10–00:50 CEST: CET keeps summer time, though PostgreSQL reads `CET` as a fixed +01.
const JULY = { sessionId: 'july', startTime: '2025-07-01T22:10:00Z', endTime: '2025-07-01T22:50:00Z', timezone: 'CET' };

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  useTestRuntime(db, '2025-07-02T12:00:00Z');
});
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

const days = (userId: string) =>
  db.pool.any(sql.type(z.object({ date: z.string(), seconds: z.number() }))`
    select to_char(local_date, 'YYYY-MM-DD') as date, focus_seconds as seconds from daily_focus where user_id = ${userId} order by local_date`);

describe('acceptFocusSession: zone names PostgreSQL reads as abbreviations', () => {
  it('credits a July evening in CET to the next date, as summer time says, and stores the zone as Europe/Brussels', async () => {
    const result = await call('cleo', JULY);
    expect(result).toMatchObject({
      accepted: true,
      streak: { lastQualifiedDate: '2025-07-02', timezone: 'Europe/Brussels', streakExpiresAt: '2025-07-03T22:00:00.000Z', version: 1 },
    });
    expect(await days('cleo')).toEqual([{ date: '2025-07-02', seconds: 2400 }]);
    const stored = await db.pool.one(sql.type(z.object({ session: z.string(), user: z.string(), streak: z.string() }))`
      select f.timezone as session, u.timezone as "user", s.timezone as streak
      from focus_sessions f join users u on u.id = f.user_id join user_streaks s on s.user_id = f.user_id
      where f.user_id = 'cleo'`);
    expect(stored).toEqual({ session: 'Europe/Brussels', user: 'Europe/Brussels', streak: 'Europe/Brussels' });
    // SQL dates the stored zone as the callable did.
    expect(await db.pool.oneFirst(sql.type(z.object({ d: z.string() }))`
      select to_char(local_date_of(start_time, timezone), 'YYYY-MM-DD') as d from focus_sessions where user_id = 'cleo'`)).toBe('2025-07-02');
  });

  it('answers a resend in CET, cet or Europe/Brussels as the same session: a duplicate, no new version', async () => {
    for (const timezone of ['CET', 'cet', 'Europe/Brussels']) {
      expect(await call('cleo', { ...JULY, timezone })).toMatchObject({ accepted: false, streak: { version: 1 } });
    }
  });

  it('stores EET, MET and WET as the zones they link to', async () => {
    for (const [timezone, expected] of [['EET', 'Europe/Athens'], ['MET', 'Europe/Brussels'], ['WET', 'Europe/Lisbon']]) {
      const result = await call(`u-${timezone}`, { ...JULY, timezone });
      expect(result.streak).toMatchObject({ timezone: expected });
    }
    // WET in summer is +01 (WEST): 23:10 on 2025-07-01; EET is +03 (EEST): 01:10 on 2025-07-02.
    expect(await days('u-WET')).toEqual([{ date: '2025-07-01', seconds: 2400 }]);
    expect(await days('u-EET')).toEqual([{ date: '2025-07-02', seconds: 2400 }]);
  });
});
