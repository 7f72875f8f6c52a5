import { Timestamp } from 'firebase-admin/firestore';
import { legacyInstant, parseExportLine, parseLegacyPath, parseLegacySession, type LegacySessionContext } from '../../src/legacy';

const MS = Date.parse('2024-01-10T14:00:00.250Z');
const context: LegacySessionContext = { nowMs: Date.parse('2025-01-01T00:00:00Z'), maxSessionHours: 24 };
const at = (path: string) => parseLegacyPath(path)!;
const good = { userId: 'u1', startTime: '2024-01-10T14:00:00Z', endTime: '2024-01-10T14:40:00Z', timezone: 'Europe/Paris' };
const reasonOf = (data: unknown, ctx: Partial<LegacySessionContext> = {}, path = 'sessions/s1') => {
  const result = parseLegacySession(at(path), data, { ...context, ...ctx });
  return result.ok ? 'ok' : result.reject.reason;
};

describe('legacyInstant reads every legacy time encoding', () => {
  it.each([
    ['a Firestore Timestamp', Timestamp.fromMillis(MS)],
    ['{_seconds, _nanoseconds} (JSON exports)', { _seconds: Math.floor(MS / 1000), _nanoseconds: 250_000_000 }],
    ['{seconds, nanoseconds}', { seconds: Math.floor(MS / 1000), nanoseconds: 250_999_999 }],
    ['an ISO string with Z', '2024-01-10T14:00:00.250Z'],
    ['an ISO string with an offset', '2024-01-10T15:00:00.250+01:00'],
    ['epoch milliseconds', MS],
  ])('%s', (_, value) => {
    expect(legacyInstant(value)).toBe(MS);
  });

  it.each([['an ISO string without offset', '2024-01-10T14:00:00'], ['a word', 'yesterday'], ['a fraction of a ms', 1.5], ['nanoseconds out of range', { seconds: 1, nanoseconds: 1e9 }], ['null', null]])(
    'rejects %s',
    (_, value) => {
      expect(legacyInstant(value)).toBeNull();
    },
  );
});

describe('parseLegacySession', () => {
  it('accepts a well-formed document and ignores durationMinutes', () => {
    expect(parseLegacySession(at('sessions/s1'), { ...good, durationMinutes: 500 }, context)).toEqual({
      ok: true,
      session: { path: 'sessions/s1', sessionId: 's1', userId: 'u1', startMs: Date.parse(good.startTime), endMs: Date.parse(good.endTime), timeZone: 'Europe/Paris' },
    });
  });

  it('takes the user from a collection-group path and refuses a contradicting userId', () => {
    const { userId: _, ...noUser } = good;
    expect(reasonOf(noUser, {}, 'users/u9/sessions/s1')).toBe('ok');
    expect(reasonOf({ ...good, userId: 'someone-else' }, {}, 'users/u9/sessions/s1')).toBe('user_mismatch');
  });

  it('falls back to the user zone, then the default zone, else rejects as missing_timezone', () => {
    const { timezone: _, ...noZone } = good;
    expect(reasonOf(noZone)).toBe('missing_timezone');
    expect(reasonOf(noZone, { userTimeZone: () => 'Asia/Tokyo' })).toBe('ok');
    expect(reasonOf(noZone, { defaultTimeZone: 'UTC' })).toBe('ok');
    // The document's own zone wins, even when wrong: it is evidence, not a gap to fill.
    expect(reasonOf({ ...good, timezone: 'Mars/Olympus' }, { defaultTimeZone: 'UTC' })).toBe('invalid_timezone');
  });

  it.each([
    ['invalid_session_id', good, 'sessions/has space'],
    ['missing_user', { ...good, userId: undefined }, 'sessions/s1'],
    ['invalid_user', { ...good, userId: 7 }, 'sessions/s1'],
    ['invalid_time', { ...good, startTime: 'soon' }, 'sessions/s1'],
    ['implausible_time', { ...good, startTime: 1704895200, endTime: 1704897600 }, 'sessions/s1'], // epoch seconds read as ms: 1970
    ['implausible_time', { ...good, startTime: '2030-01-01T00:00:00Z', endTime: '2030-01-01T01:00:00Z' }, 'sessions/s1'],
    ['end_not_after_start', { ...good, endTime: good.startTime }, 'sessions/s1'],
    ['too_long', { ...good, endTime: '2024-01-11T14:00:01Z' }, 'sessions/s1'],
    ['malformed_json', 'not an object', 'sessions/s1'],
  ])('rejects with %s', (reason, data, path) => {
    expect(reasonOf(data, {}, path)).toBe(reason);
  });
});

describe('parseExportLine', () => {
  it('reads a path, or a bare id in the collection being read', () => {
    expect(parseExportLine('{"path":"sessions/a","data":{}}', 1, 'sessions')).toMatchObject({ ok: true, doc: { path: 'sessions/a', id: 'a', collection: 'sessions' } });
    expect(parseExportLine('{"id":"a","data":{}}', 1, 'sessions')).toMatchObject({ ok: true, doc: { path: 'sessions/a' } });
    expect(parseExportLine('{"path":"users/u/sessions/a","data":{}}', 1, 'sessions')).toMatchObject({ ok: true, doc: { parentId: 'u', collection: 'sessions' } });
  });

  it('skips blank lines and rejects what is not a document', () => {
    expect(parseExportLine('   ', 3, 'sessions')).toBeNull();
    expect(parseExportLine('{"path": "sessions/a", "data": {', 4, 'sessions')).toMatchObject({ ok: false, reject: { path: 'line:4', reason: 'malformed_json' } });
    expect(parseExportLine('{"path":"sessions/a"}', 5, 'sessions')).toMatchObject({ ok: false, reject: { reason: 'malformed_json' } });
    expect(parseExportLine('{"path":"sessions/a/b","data":{}}', 6, 'sessions')).toMatchObject({ ok: false, reject: { reason: 'invalid_path' } });
    expect(parseExportLine('{"path":"sessions/a","id":"b","data":{}}', 7, 'sessions')).toMatchObject({ ok: false, reject: { reason: 'invalid_path' } });
  });
});
