import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../functions/src/accept/acceptSession';
import { timeZoneSpeller } from '../../functions/src/db/timeZones';
import { offsetMsAt } from '../../functions/src/domain';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { runScript } from './support/runScript';

jest.setTimeout(180_000);

// A July evening: 00:10–00:50 CEST on 2025-07-02, though PostgreSQL reads `CET` as a fixed +01 (23:10 on 2025-07-01).
const START = '2025-07-01T22:10:00Z';
const END = '2025-07-01T22:50:00Z';
const DAY_MS = 86_400_000;
const FROM_MS = Date.UTC(2000, 0, 1, 12);
const TO_MS = Date.UTC(2030, 11, 31, 12);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const days = (userId: string) =>
  db.pool.any(sql.type(z.object({ date: z.string(), seconds: z.number() }))`
    select to_char(local_date, 'YYYY-MM-DD') as date, focus_seconds as seconds from daily_focus where user_id = ${userId} order by local_date`);
const zonesOf = (userId: string) =>
  db.pool.one(sql.type(z.object({ sessions: z.array(z.string()), user: z.string().nullable(), legacy: z.string().nullable(), streak: z.string().nullable() }))`
    select array(select timezone from focus_sessions where user_id = ${userId} order by session_id) as sessions,
           u.timezone as "user", u.legacy_timezone as legacy, (select timezone from user_streaks where user_id = ${userId}) as streak
    from users u where u.id = ${userId}`);

describe('zone names PostgreSQL reads as abbreviations', () => {
  it('asks PostgreSQL which zones are also abbreviations with another offset, and stores each as a zone SQL dates as the runtime does', async () => {
    // Asked here without sql/migrations/013's functions: the abbreviation's fixed offset against the zone file's
    // rules (the TimeZone setting never reads an abbreviation), at noon UTC of every day of 2000–2030.
    const candidates = await db.pool.any(sql.type(z.object({ name: z.string(), offsetSeconds: z.number() }))`
      select n.name, extract(epoch from a.utc_offset)::int as "offsetSeconds"
      from pg_timezone_names n join pg_timezone_abbrevs a on lower(a.abbrev) = lower(n.name) order by n.name`);
    const differing: string[] = [];
    for (const { name, offsetSeconds } of candidates) {
      const daysOff = await db.pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`select set_config('timezone', ${name}, true)`);
        return tx.oneFirst(sql.type(z.object({ n: z.number() }))`
          select count(*)::int as n
          from generate_series(${new Date(FROM_MS).toISOString()}::timestamptz, ${new Date(TO_MS).toISOString()}::timestamptz, interval '1 day') t
          where t::timestamp <> (t at time zone 'UTC') + make_interval(secs => ${offsetSeconds})`);
      });
      if (daysOff > 0) differing.push(name);
    }
    // Tied to no list: a server whose tz data or abbreviations bring another such name is held to the same checks.
    expect(differing).toEqual(expect.arrayContaining(['CET', 'EET', 'MET', 'WET']));
    expect(await db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`select name from zones_read_as_abbreviations()`)).toEqual(differing);

    const spell = await timeZoneSpeller(db.pool);
    const abbreviations = new Set(await db.pool.anyFirst(sql.type(z.object({ a: z.string() }))`select lower(abbrev) as a from pg_timezone_abbrevs`));
    const noons = Array.from({ length: Math.round((TO_MS - FROM_MS) / DAY_MS) + 1 }, (_, i) => FROM_MS + i * DAY_MS);
    for (const name of differing) {
      const stored = spell(name);
      expect({ name, stored, abbreviation: stored !== null && abbreviations.has(stored.toLowerCase()) }).toEqual({ name, stored: expect.any(String), abbreviation: false });
      // What every SQL rebuild applies to the stored name equals what the accept path applies to the name sent.
      const sqlOffsets = await db.pool.anyFirst(sql.type(z.object({ s: z.number() }))`
        select extract(epoch from (t at time zone ${stored!}) - (t at time zone 'UTC'))::int as s
        from unnest(${sql.array(noons.map((ms) => new Date(ms).toISOString()), 'timestamptz')}) with ordinality as u(t, i) order by u.i`);
      const runtimeOffsets = noons.map((ms) => offsetMsAt(ms, name) / 1000);
      expect({ name, stored, differingDays: sqlOffsets.filter((s, i) => s !== runtimeOffsets[i]).length }).toEqual({ name, stored, differingDays: 0 });
    }
    // The zones tzdata links them to, as ICU's canonical form names them.
    expect(Object.fromEntries(['CET', 'EET', 'MET', 'WET'].map((name) => [name, spell(name)]))).toEqual({
      CET: 'Europe/Brussels', EET: 'Europe/Athens', MET: 'Europe/Brussels', WET: 'Europe/Lisbon',
    });
  });

  it('stores a proposed zone only when its rules agree to the quarter hour and PostgreSQL cannot read it as an abbreviation', async () => {
    const checked = await db.pool.any(sql.type(z.object({ zone: z.string(), proposed: z.string(), stored: z.string().nullable() }))`
      select t.zone, t.proposed, zone_storage_name(t.zone, t.proposed) as stored
      from unnest(
        array['CET', 'CET', 'CET', 'EET', 'EET', 'WET'],
        array['Europe/Brussels', 'MET', 'Europe/London', 'Europe/Athens', 'Europe/Chisinau', 'Europe/Lisbon']) as t(zone, proposed)`);
    expect(checked).toEqual([
      { zone: 'CET', proposed: 'Europe/Brussels', stored: 'Europe/Brussels' },
      // Same rules, but an abbreviation itself.
      { zone: 'CET', proposed: 'MET', stored: null },
      { zone: 'CET', proposed: 'Europe/London', stored: null },
      { zone: 'EET', proposed: 'Europe/Athens', stored: 'Europe/Athens' },
      // Same offsets at every noon; Moldova changes its clocks an hour before the EU does.
      { zone: 'EET', proposed: 'Europe/Chisinau', stored: null },
      { zone: 'WET', proposed: 'Europe/Lisbon', stored: 'Europe/Lisbon' },
    ]);
  });

  it('backfill stores sessions and legacy users in CET as Europe/Brussels and credits the July evening to 2025-07-02', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zone-abbreviations-'));
    const file = path.join(dir, 'export.ndjson');
    const lines = [
      { path: 'users/ula', data: { timezone: 'CET' } },
      // No zone of its own: the user's legacy zone applies.
      { path: 'sessions/ula-1', data: { userId: 'ula', startTime: START, endTime: END } },
      { path: 'sessions/vic-1', data: { userId: 'vic', startTime: START, endTime: END, timezone: 'CET' } },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    for (const kind of ['users', 'sessions']) {
      const run = await runScript('backfill.ts', [kind, '--from-file', file], db.url);
      expect({ kind, code: run.code, stderr: run.stderr }).toEqual({ kind, code: 0, stderr: '' });
    }
    expect(await zonesOf('ula')).toEqual({ sessions: ['Europe/Brussels'], user: 'Europe/Brussels', legacy: 'Europe/Brussels', streak: 'Europe/Brussels' });
    expect(await zonesOf('vic')).toEqual({ sessions: ['Europe/Brussels'], user: 'Europe/Brussels', legacy: null, streak: 'Europe/Brussels' });
    expect(await days('ula')).toEqual([{ date: '2025-07-02', seconds: 2400 }]);
    expect(await days('vic')).toEqual([{ date: '2025-07-02', seconds: 2400 }]);

    // A second run reads the same documents: duplicates, not conflicts.
    const again = await runScript('backfill.ts', ['sessions', '--from-file', file], db.url);
    expect(again.code).toBe(0);
    expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from backfill_rejects`)).toBe(0);
  });

  it('recompute leaves a CET session accepted by the write path on 2025-07-02', async () => {
    const accepted = await acceptSession(
      db.pool,
      { userId: 'wes', sessionId: 'july', session: { startMs: Date.parse(START), endMs: Date.parse(END), timeZone: 'CET' }, source: 'callable' },
      { qualifySeconds: 1800 },
    );
    expect(accepted.streak).toMatchObject({ lastQualifiedDate: '2025-07-02', timezone: 'Europe/Brussels', version: 1 });
    const run = await runScript('recompute.ts', ['--user', 'wes'], db.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/changed 0 of 1 streaks/);
    expect(await days('wes')).toEqual([{ date: '2025-07-02', seconds: 2400 }]);
  });
});
