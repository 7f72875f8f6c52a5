import fc from 'fast-check';
import { prepareLegacySessions, type SessionBatchContext } from '../../src/ingest/prepareLegacySessions';
import { parseLegacyPath, type ExportDocument } from '../../src/legacy';

// The database's spelling as a lookup: CET is spelled as PostgreSQL reads it correctly; America/Ciudad_Juarez (tzdata 2022g) stands for a zone Node knows and an older database does not.
const SPELLING: Record<string, string> = { 'Europe/Paris': 'Europe/Paris', CET: 'Europe/Brussels', UTC: 'UTC' };
const context: SessionBatchContext = {
  nowMs: Date.parse('2025-01-01T00:00:00Z'),
  maxSessionHours: 24,
  spell: (zone) => SPELLING[zone] ?? null,
};
const doc = (path: string, data: Record<string, unknown>): ExportDocument => ({ ...parseLegacyPath(path)!, data });
const session = (userId: string, minutes: number, timezone = 'Europe/Paris') => ({
  userId,
  startTime: '2024-01-10T14:00:00Z',
  endTime: new Date(Date.parse('2024-01-10T14:00:00Z') + minutes * 60_000).toISOString(),
  timezone,
});

describe('prepareLegacySessions', () => {
  it('stores a zone in the database spelling, and refuses one the database does not know', () => {
    const prepared = prepareLegacySessions([doc('sessions/a', session('u1', 30, 'CET')), doc('sessions/b', session('u1', 30, 'America/Ciudad_Juarez'))], context);
    expect(prepared.records.map((s) => [s.sessionId, s.timeZone])).toEqual([['a', 'Europe/Brussels']]);
    expect(prepared.rejects).toEqual([
      { path: 'sessions/b', reason: 'invalid_timezone', detail: 'time zone "America/Ciudad_Juarez" is not known to the database', raw: session('u1', 30, 'America/Ciudad_Juarez') },
    ]);
  });

  it('keeps a session the batch holds twice once, and refuses a second copy with other content as a conflict', () => {
    const prepared = prepareLegacySessions(
      [doc('users/u1/sessions/s', session('u1', 30)), doc('sessions/s', session('u1', 30)), doc('sessions/s', session('u1', 45)), doc('users/u2/sessions/s', session('u2', 45))],
      context,
    );
    expect(prepared.records.map((s) => `${s.userId}/${s.sessionId}`)).toEqual(['u1/s', 'u2/s']);
    expect(prepared.duplicates).toBe(1);
    expect(prepared.rejects.map((r) => [r.path, r.reason, r.detail])).toEqual([['sessions/s', 'conflict', 'session s is already stored with other content (users/u1/sessions/s earlier in this batch)']]);
    // The evidence kept for a later conflict with what is stored is the kept copy's document, never another copy's.
    expect(prepared.raw.get('users/u1/sessions/s')).toEqual(session('u1', 30));
    expect(prepared.raw.has('sessions/s')).toBe(false);
  });

  it('accounts for every document once: a record, a reject or a duplicate, and no two records share a (user, id)', () => {
    const anyDoc = fc
      .record({
        id: fc.constantFrom('s1', 's2', 'bad id'),
        userId: fc.constantFrom('u1', 'u2'),
        minutes: fc.constantFrom(-5, 30, 45, 2000),
        timezone: fc.constantFrom('Europe/Paris', 'CET', 'America/Ciudad_Juarez', ''),
      })
      .map(({ id, userId, minutes, timezone }) => doc(`sessions/${id.replace(' ', '%20')}`, session(userId, minutes, timezone)));
    fc.assert(
      fc.property(fc.array(anyDoc, { maxLength: 12 }), (docs) => {
        const prepared = prepareLegacySessions(docs, context);
        expect(prepared.records.length + prepared.rejects.length + prepared.duplicates).toBe(docs.length);
        const keys = prepared.records.map((s) => `${s.userId}/${s.sessionId}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const s of prepared.records) expect(Object.values(SPELLING)).toContain(s.timeZone);
      }),
    );
  });
});
