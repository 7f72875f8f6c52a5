import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// A caller that hung up costs no more work: the accept stops before its next statement.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const session = (i: number) => ({ startMs: Date.parse('2025-06-02T09:00:00Z') + i * 3_600_000, endMs: Date.parse('2025-06-02T09:40:00Z') + i * 3_600_000, timeZone: 'UTC' });
const stored = (userId: string) => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from focus_sessions where user_id = ${userId}`);

describe('an accept whose caller is gone', () => {
  it('writes nothing when the caller left before it started', async () => {
    const gone = AbortSignal.abort();
    await expect(acceptSession(db.pool, { userId: 'left-early', sessionId: 's-1', session: session(0), source: 'callable' }, { qualifySeconds: 1800, signal: gone })).rejects.toMatchObject({ code: 'db/unavailable' });
    expect(await stored('left-early')).toBe(0);
  });

  it('stops waiting behind the same user\'s earlier accept as soon as its caller leaves', async () => {
    const first = acceptSession(db.pool, { userId: 'queued', sessionId: 's-1', session: session(0), source: 'callable' }, { qualifySeconds: 1800 });
    const leaving = new AbortController();
    const second = acceptSession(db.pool, { userId: 'queued', sessionId: 's-2', session: session(1), source: 'callable' }, { qualifySeconds: 1800, signal: leaving.signal, maxQueueWaitMs: 60_000 });
    leaving.abort();
    await expect(second).rejects.toMatchObject({ code: 'db/unavailable' });
    await expect(first).resolves.toMatchObject({ accepted: true });
    expect(await stored('queued')).toBe(1);
  });
});
