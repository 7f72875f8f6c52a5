import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../functions/src/accept/acceptSession';
import { timeZoneSpeller } from '../../functions/src/db/timeZones';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { migrate, SQL_DIR } from '../lib/migrate/migrator';

jest.setTimeout(120_000);

const MIGRATION = '013_zone_abbreviations.sql';
const MIGRATIONS_DIR = path.join(SQL_DIR, 'migrations');
const START = '2025-07-01T22:10:00Z';
const END = '2025-07-01T22:50:00Z';

let db: TestDatabase;
// Every name that is both a zone and an abbreviation: the ones 013 rewrites, and the ones it must leave alone.
let both: string[];
beforeAll(async () => {
  // A database as the migrator of 012 left it: migrations up to 012, the functions as they defined them.
  const before = mkdtempSync(path.join(tmpdir(), 'sql-012-'));
  cpSync(SQL_DIR, before, { recursive: true });
  for (const file of readdirSync(path.join(before, 'migrations'))) if (file >= MIGRATION) rmSync(path.join(before, 'migrations', file));
  rmSync(path.join(before, 'functions'), { recursive: true });
  mkdirSync(path.join(before, 'functions'));
  db = await createTestDatabase({ migrationsDir: before });
  both = [...(await db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`
    select n.name from pg_timezone_names n where exists (select from pg_timezone_abbrevs a where lower(a.abbrev) = lower(n.name)) order by n.name`))];
  await seedAt012();
});
afterAll(async () => {
  await db.close();
});

/** What a database at 012 may hold: CET sessions the SQL rebuild dated at a fixed +01, zones in older spellings. */
async function seedAt012(): Promise<void> {
  await db.pool.query(sql.unsafe`insert into users (id, timezone, legacy_timezone) values ('mia', null, 'CET'), ('noa', 'CET', 'cet'), ('pia', null, null)`);
  const sessions = [
    ['m1', 'mia', START, END, 'CET'],
    ['p1', 'pia', START, END, 'Europe/Paris'],
    ...both.map((name) => [`z-${name}`, `z-${name}`, START, END, name]),
    // Stored before zones were spelled one way.
    ['l1', 'z-lower', START, END, 'cet'],
  ];
  await db.pool.query(sql.unsafe`insert into users (id) select 'z-' || unnest(${sql.array([...both, 'lower'], 'text')})`);
  await db.pool.query(sql.unsafe`
    insert into focus_sessions (session_id, user_id, start_time, end_time, timezone, source)
    select *, 'backfill' from ${sql.unnest(sessions, ['text', 'text', 'timestamptz', 'timestamptz', 'text'])}`);
  await db.pool.query(sql.unsafe`select * from rebuild_streaks(array(select id from users), 1800, true)`);
}

const streakOf = (userId: string) =>
  db.pool.one(sql.type(z.object({ last: z.string().nullable(), timezone: z.string().nullable(), version: z.coerce.number() }))`
    select to_char(last_qualified_date, 'YYYY-MM-DD') as last, timezone, version from user_streaks where user_id = ${userId}`);
const outboxOf = (userId: string) =>
  db.pool.any(sql.type(z.object({ version: z.coerce.number(), timezone: z.string().nullable(), last: z.string().nullable() }))`
    select version, payload ->> 'timezone' as timezone, payload ->> 'lastQualifiedDate' as last from streak_outbox where user_id = ${userId} order by version`);
const daysOf = (userId: string) =>
  db.pool.any(sql.type(z.object({ date: z.string(), seconds: z.number() }))`
    select to_char(local_date, 'YYYY-MM-DD') as date, focus_seconds as seconds from daily_focus where user_id = ${userId} order by local_date`);

describe('sql/migrations/013: zones stored before in names PostgreSQL reads as abbreviations', () => {
  it('starts from a database at 012 where SQL dated the CET session at a fixed +01', async () => {
    expect(await daysOf('mia')).toEqual([{ date: '2025-07-01', seconds: 2400 }]);
    expect(await streakOf('mia')).toEqual({ last: '2025-07-01', timezone: 'CET', version: 1 });
  });

  it('refuses to run outside the migrator, which hands it the runtime\'s zone names and QUALIFY_MINUTES', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('begin');
      await expect(client.query(readFileSync(path.join(MIGRATIONS_DIR, MIGRATION), 'utf8'))).rejects.toThrow(/apply this migration with npm run migrate/);
    } finally {
      await client.query('rollback');
      await client.end();
    }
  });

  it('rewrites the rows, rebuilds the users whose sessions moved with new versions and outbox rows, and leaves the others', async () => {
    const applied = await migrate(db.url);
    expect(applied.appliedNow.map((m) => m.file)).toEqual(readdirSync(MIGRATIONS_DIR).filter((f) => f >= MIGRATION).sort());

    expect(await db.pool.anyFirst(sql.type(z.object({ tz: z.string() }))`select timezone as tz from focus_sessions where user_id in ('mia', 'z-lower')`)).toEqual(['Europe/Brussels', 'Europe/Brussels']);
    expect(await daysOf('mia')).toEqual([{ date: '2025-07-02', seconds: 2400 }]);
    expect(await streakOf('mia')).toEqual({ last: '2025-07-02', timezone: 'Europe/Brussels', version: 2 });
    expect(await outboxOf('mia')).toEqual([
      { version: 1, timezone: 'CET', last: '2025-07-01' },
      { version: 2, timezone: 'Europe/Brussels', last: '2025-07-02' },
    ]);
    const users = await db.pool.any(sql.type(z.object({ id: z.string(), timezone: z.string().nullable(), legacy: z.string().nullable() }))`
      select id, timezone, legacy_timezone as legacy from users where id in ('mia', 'noa') order by id`);
    expect(users).toEqual([
      { id: 'mia', timezone: 'Europe/Brussels', legacy: 'Europe/Brussels' },
      { id: 'noa', timezone: 'Europe/Brussels', legacy: 'Europe/Brussels' },
    ]);
    // Nothing moved for a user in another zone: no new version, nothing queued.
    expect(await streakOf('pia')).toEqual({ last: '2025-07-02', timezone: 'Europe/Paris', version: 1 });
    expect(await outboxOf('pia')).toHaveLength(1);
  });

  it('stores every name that is both a zone and an abbreviation exactly as the write paths now spell it', async () => {
    const spell = await timeZoneSpeller(db.pool);
    const stored = await db.pool.any(sql.type(z.object({ name: z.string(), timezone: z.string() }))`
      select substr(user_id, 3) as name, timezone from focus_sessions where user_id like 'z-%' and user_id <> 'z-lower' order by 1`);
    expect(stored).toEqual(both.map((name) => ({ name, timezone: spell(name) })));
    // The names rewritten are exactly those PostgreSQL reads with another offset; the rest (EST, UTC, …) stay as they were.
    const read = await db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`select name from zones_read_as_abbreviations()`);
    expect(stored.filter((s) => s.timezone !== s.name).map((s) => s.name)).toEqual(read);
  });

  it('answers a resend of a migrated session in CET as a duplicate, without a new version', async () => {
    const again = await acceptSession(
      db.pool,
      { userId: 'mia', sessionId: 'm1', session: { startMs: Date.parse(START), endMs: Date.parse(END), timeZone: 'CET' }, source: 'callable' },
      { qualifySeconds: 1800 },
    );
    expect(again).toMatchObject({ accepted: false, streak: { version: 2, timezone: 'Europe/Brussels' } });
  });
});
