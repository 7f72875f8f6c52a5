import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { readConfig } from '../../src/config';
import { acceptFocusSession, getMyStreak } from '../../src/index';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { setRuntime } from '../../src/runtime';
import { createTestDatabase, usesEmbeddedDatabase } from '../support/testDatabase';

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const accept = fft.wrap(acceptFocusSession);
const myStreak = fft.wrap(getMyStreak);
const auth = { uid: 'u1', token: { uid: 'u1' } as never };
const session = { sessionId: 's1', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' };

afterAll(() => {
  setRuntime(undefined);
  fft.cleanup();
});

describe('when the database cannot serve', () => {
  it('answers unavailable, not internal, when the database is unreachable', async () => {
    // Port 1 on loopback refuses at once: nothing leaves this machine.
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgresql://postgres@127.0.0.1:1/none';
    setRuntime(undefined);
    try {
      const error = await accept({ data: session, auth } as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unavailable', message: 'The service is temporarily unavailable; please retry.' });
      await expect(myStreak({ data: {}, auth } as never)).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  (usesEmbeddedDatabase ? it.skip : it)('answers unavailable when a statement times out behind a lock', async () => {
    const testDb = await createTestDatabase({ statementTimeoutMs: 300 });
    const config = readConfig({ ...process.env, DB_STATEMENT_TIMEOUT_MS: '300' });
    setRuntime({ config, db: testDb, publisher: new InMemoryPublisher(), now: () => Date.parse('2025-03-10T00:00:00Z') });
    try {
      await accept({ data: session, auth } as never);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const holder = testDb.pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`select 1 from user_streaks where user_id = 'u1' for update`);
        await held;
      });
      await new Promise((r) => setTimeout(r, 50));
      const error = await accept({ data: { ...session, sessionId: 's2' }, auth } as never).catch((e: unknown) => e);
      release();
      await holder.catch(() => {});
      expect(error).toMatchObject({ code: 'unavailable' });
    } finally {
      await testDb.close();
    }
  });
});
