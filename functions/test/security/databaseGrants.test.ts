import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { deleteAccount } from '../../src/account/deleteAccount';
import { finishAccountDeletions } from '../../src/account/finishAccountDeletions';
import { logs as accountLogs } from '../../src/account/logs';
import { acceptSession } from '../../src/accept/acceptSession';
import { rateLimitFor, readConfig } from '../../src/config';
import { exportSessionsPage } from '../../src/db/accountData';
import { runRejectsByReason, storeRejects } from '../../src/db/backfillRejects';
import { recentRuns } from '../../src/db/backfillRuns';
import { addFriendship, listFriends, removeFriendship } from '../../src/db/friendships';
import { readBoard } from '../../src/db/friendsLeaderboard';
import { connect, type Database } from '../../src/db/pool';
import { takeRateToken } from '../../src/db/rateLimits';
import { recordMirrorPass } from '../../src/db/legacyMirror';
import { latestParityPasses, recordParityPass } from '../../src/db/parityPasses';
import { rollUpSessionHours } from '../../src/db/sessionHours';
import { recordStatusSample } from '../../src/db/statusSamples';
import { pendingSummary } from '../../src/db/streakOutbox';
import { readStreak } from '../../src/db/userStreaks';
import type { AccountDocuments } from '../../src/firebase/accountDocuments';
import { pruneTables } from '../../src/maintenance/pruneTables';
import { mirrorLegacySessions } from '../../src/mirror/mirrorLegacySessions';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { logs as outboxLogs } from '../../src/outbox/logs';
import { relayOutbox } from '../../src/outbox/relayOutbox';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

// The grants docs/operations.md gives the functions' role are enough for everything the functions do,
// and allow no DDL: the block is read from there and applied to a scratch role, whose login then does the work.
if (usesEmbeddedDatabase) console.info('databaseGrants.test.ts: skipped on the embedded database (PGlite has one superuser and no roles); set DATABASE_URL to run it');

const OPERATIONS = readFileSync(path.resolve(__dirname, '../../../docs/operations.md'), 'utf8');
const MARKER = "-- grants of the functions' role (focus_functions)";

/** The documented grant block, for a role named `role`. */
function readmeGrants(role: string): string {
  const start = OPERATIONS.indexOf(MARKER);
  if (start < 0) throw new Error(`docs/operations.md has no block starting with ${MARKER}`);
  const block = OPERATIONS.slice(start, OPERATIONS.indexOf('```', start));
  return block.replaceAll('focus_functions', role);
}

(usesEmbeddedDatabase ? describe.skip : describe)("the functions' role with the documented grants (real PostgreSQL)", () => {
  const role = `fn_grants_${process.pid}`;
  const login = `${role}_login`;
  let db: TestDatabase;
  let functions: Database;
  /** Runs SQL text as the owner, as an operator pastes it into psql. */
  const asOwner = async (text: string) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    await asOwner(`drop role if exists ${login}; drop role if exists ${role};`);
    await asOwner(readmeGrants(role));
    await asOwner(`create role ${login} login in role ${role};`);
    const url = new URL(db.url);
    url.username = login;
    functions = await connect(readConfig({ ...process.env, DB_POOL_SIZE: '3' }).database, url.toString(), 'as the functions role');
  });
  beforeEach(() => {
    silenceLogs(accountLogs);
    silenceLogs(outboxLogs);
  });
  afterAll(async () => {
    await functions?.close();
    if (!db) return;
    await db.pool.query(sql.unsafe`drop owned by ${sql.identifier([role])}, ${sql.identifier([login])}`);
    await db.close();
    const server = await connect(readConfig({ ...process.env, DB_POOL_SIZE: '1' }).database, process.env.DATABASE_URL!, 'server');
    await server.pool.query(sql.unsafe`drop role if exists ${sql.identifier([login])}`);
    await server.pool.query(sql.unsafe`drop role if exists ${sql.identifier([role])}`);
    await server.close();
  });

  it("is enough for everything the functions do", async () => {
    const pool = functions.pool;
    const config = readConfig({});
    expect(await pool.oneFirst(sql.type(z.object({ u: z.string() }))`select current_user as u`)).toBe(login);
    const publisher = new InMemoryPublisher();
    const start = Date.parse('2025-03-03T08:00:00Z');
    const accept = (userId: string, sessionId: string, day: number, source: 'callable' | 'bridge' = 'callable') =>
      acceptSession(pool, { userId, sessionId, session: { startMs: start + day * 86_400_000, endMs: start + day * 86_400_000 + 40 * 60_000, timeZone: 'UTC' }, source }, {
        qualifySeconds: 1800,
        mirror: source === 'callable',
        publish: { publisher, timeoutMs: 500 },
        rateLimit: rateLimitFor(config, source === 'bridge' ? 'bridge' : 'acceptFocusSession'),
      });

    await accept('ann', 'a1', 0);
    await accept('ann', 'a2', 1);
    await expect(accept('ann', 'a2', 1)).resolves.toMatchObject({ accepted: false });
    await accept('ben', 'b1', 0, 'bridge');
    await storeRejects(pool, null, [{ path: 'sessions/bad', reason: 'invalid_time', detail: 'x', raw: { userId: 'ann' } }]);
    expect(await readStreak(pool, 'ann')).toMatchObject({ currentStreak: 2 });
    await takeRateToken(pool, 'ann', rateLimitFor(config, 'getMyStreak'));

    await addFriendship(pool, 'ann', 'ben', { friendsMax: 10, pendingRequestsMax: 10 });
    await addFriendship(pool, 'ben', 'ann', { friendsMax: 10, pendingRequestsMax: 10 });
    await addFriendship(pool, 'ann', 'cat', { friendsMax: 10, pendingRequestsMax: 10 });
    expect((await listFriends(pool, 'ann')).friends).toHaveLength(1);
    await removeFriendship(pool, 'ann', 'cat');
    expect((await readBoard(pool, 'streak', 'ann', start + 3 * 86_400_000, 10)).entries).toHaveLength(2);
    expect((await readBoard(pool, 'weekFocus', 'ann', start + 3 * 86_400_000, 10)).entries).toHaveLength(2);
    expect((await exportSessionsPage(pool, 'ann', null)).sessions).toHaveLength(2);

    await relayOutbox(pool, publisher, { publishTimeoutMs: 500 });
    const mirrored: string[] = [];
    const mirror = { write: async (rows: readonly { sessionId: string }[]) => void mirrored.push(...rows.map((r) => r.sessionId)), remove: async () => undefined };
    await expect(mirrorLegacySessions(pool, mirror)).resolves.toMatchObject({ written: 2 });
    expect(mirrored.sort()).toEqual(['a1', 'a2']);
    await recordMirrorPass(pool, true, { claimed: 2, written: 2, failed: 0, compensated: 0 });
    await recordParityPass(pool, { kind: 'projection', startedAtMs: Date.now(), outboxHighId: '1', counts: { sampled: 1, behind: 1 }, samples: [{ userId: 'ann', finding: 'behind', detail: {} }] }, 30);
    expect(await latestParityPasses(pool, 'projection')).toHaveLength(1);
    await rollUpSessionHours(pool);
    // The reconcile pass's watch over backfill runs (they run as an operator; the functions only read).
    await expect(recentRuns(pool, 20)).resolves.toEqual(expect.any(Array));
    await expect(runRejectsByReason(pool, 5)).resolves.toEqual(expect.any(Object));
    await recordStatusSample(pool, { outboxPending: (await pendingSummary(pool)).pending, oldestPendingSeconds: null });
    // verify runs as an operator; its findings name users, so a deletion by the functions removes them.
    await asOwner(`insert into verify_results (id, source, counts) values (1, 'test', '{}'); insert into verify_mismatches values (1, 'ann', 'differs', '{}')`);
    const store = new InMemoryStreakStore();
    const documents: AccountDocuments = { deleteLegacy: async () => ({ sessions: 0, user: false }), countLegacy: async () => ({ sessions: 0, user: false }), writeTombstone: (u, f) => store.writeTombstone(u, f) };
    await deleteAccount('ben', { db: pool, documents, now: Date.now, by: 'test' });
    await deleteAccount('ann', { db: pool, documents: null, now: Date.now, by: 'test', accountDeleted: true });
    await db.pool.query(sql.unsafe`update pending_document_deletions set next_attempt_at = now()`);
    await expect(finishAccountDeletions(pool, documents)).resolves.toMatchObject({ done: 1 });
    await expect(accept('ann', 'a3', 2)).rejects.toMatchObject({ name: 'AccountDeletedError' });
    await pruneTables(pool, { retentionDays: 30 });
    for (const table of ['legacy_mirror', 'parity_samples', 'verify_mismatches']) {
      expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from ${sql.identifier([table])} where user_id = 'ann'`)).toBe(0);
    }
  });

  it.each([
    ['create a table', sql.unsafe`create table taken (id int)`],
    ['create a function', sql.unsafe`create function taken() returns int language sql as $$ select 1 $$`],
    ['alter a table', sql.unsafe`alter table users add column taken text`],
    ['drop a table', sql.unsafe`drop table rate_limits`],
    ['read schema_migrations', sql.unsafe`select * from schema_migrations`],
  ])('cannot %s', async (_what, statement) => {
    const error = (await functions.pool.query(statement).then(() => null, (e: unknown) => e)) as { code?: string; cause?: { code?: string } } | null;
    expect(error?.code ?? error?.cause?.code).toBe('42501');
  });
});
