import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { readConfig } from '../../src/config';
import { isEmbeddedUrl } from '../../src/db/embedded';
import { connect, type Database } from '../../src/db/pool';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

const rateLimit = { action: 'acceptFocusSession', perMinute: 600, burst: 600 };
const at = (iso: string) => Date.parse(iso);

// The accept path's statements are prepared once per connection (named); everything else stays unnamed.
describe('named statements of the accept path', () => {
  let scratch: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    scratch = await createTestDatabase();
    // One connection, so the session that prepared the statements is the one asked about them.
    db = await connect(readConfig({ ...process.env, DB_POOL_SIZE: '1' }).database, scratch.url, 'pool of 1');
  });
  afterAll(async () => {
    await db.close();
    await scratch.close();
  });

  const accept = (sessionId: string, start: string, minutes: number, limited = true) =>
    acceptSession(
      db.pool,
      { userId: 'ana', sessionId, session: { startMs: at(start), endMs: at(start) + minutes * 60_000, timeZone: 'Europe/Paris' }, source: 'callable' },
      { qualifySeconds: 1800, ...(limited ? { rateLimit } : {}) },
    );
  const prepared = () => db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`select name from pg_prepared_statements order by name`);

  it('one text per name, whatever the values: changed and unchanged streaks, new and known users, limited or not', async () => {
    // New user; a qualifying day (streak changes); a short session (no change: null payload); a retry; no rate limit.
    await expect(accept('a', '2025-03-01T09:00:00Z', 45)).resolves.toMatchObject({ accepted: true });
    await expect(accept('b', '2025-03-02T09:00:00Z', 45)).resolves.toMatchObject({ accepted: true, streak: { currentStreak: 2 } });
    await expect(accept('c', '2025-03-03T09:00:00Z', 5)).resolves.toMatchObject({ accepted: true, outboxId: null });
    await expect(accept('c', '2025-03-03T09:00:00Z', 5)).resolves.toMatchObject({ accepted: false });
    await expect(accept('d', '2025-03-03T10:00:00Z', 40, false)).resolves.toMatchObject({ accepted: true, streak: { currentStreak: 3 } });

    if (usesEmbeddedDatabase) {
      // The embedded database's connections share one session: nothing is prepared there.
      expect(isEmbeddedUrl(scratch.url)).toBe(true);
      expect(await prepared()).toEqual([]);
    } else {
      expect(isEmbeddedUrl(scratch.url)).toBe(false);
      expect(await prepared()).toEqual(['accept_session']);
    }
  });
});

describe('isEmbeddedUrl', () => {
  it('tells the embedded database from a server', () => {
    expect(isEmbeddedUrl('postgresql://postgres@127.0.0.1:5432/test')).toBe(false);
    expect(isEmbeddedUrl('postgresql://postgres@127.0.0.1:5432/test?application_name=reports')).toBe(false);
    expect(isEmbeddedUrl('not a url')).toBe(false);
  });
});
