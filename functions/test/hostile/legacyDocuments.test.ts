import fc from 'fast-check';
import * as legacy from '../../src/legacy';
import { REJECT_REASONS, misplacedLine, parseExportLine, parseLegacyPath, parseLegacySession, parseLegacyUser, type LegacyPath, type Reject } from '../../src/legacy';
import { isValidTimeZone } from '../../src/domain';
import { BAD_ZONES, FAR_TIMES, NON_FINITE, ODD_SHAPES, ONE_MB, PROTOTYPE_KEYS, UNICODE, corpusTally, describeInput, hostileValue, withOwnKey } from '../support/hostileValues';

// The hostile corpus against every legacy-document parser: a document, an export line or a path
// that a legacy writer (or a broken export) could produce becomes one reject with a known reason
// and a detail, never a throw; where a parser does accept, what it hands on holds every invariant.
const RUNS = Number(process.env.HOSTILE_RUNS ?? 400) * 2;
const NOW_MS = Date.parse('2025-03-10T12:00:00Z');
const context = { nowMs: NOW_MS, maxSessionHours: 24 };
const KNOWN = new Set<string>(REJECT_REASONS);
const validSession = { userId: 'u1', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'Europe/Paris' };
const plausible = (v: unknown) => {
  const ms = legacy.legacyInstant(v);
  return ms !== null && ms >= Date.UTC(2000, 0, 1) && ms <= NOW_MS;
};
const at = (path: string) => parseLegacyPath(path) as LegacyPath;

function expectReject(result: { ok: unknown; reject?: Reject }, input: unknown): void {
  if (result.ok !== false) throw new Error(`accepted ${describeInput(input)}`);
  const reject = result.reject as Reject;
  if (!KNOWN.has(reject.reason)) throw new Error(`unknown reason ${reject.reason} for ${describeInput(input)}`);
  if (typeof reject.detail !== 'string' || reject.detail.length === 0 || typeof reject.path !== 'string') throw new Error(`reject without detail or path for ${describeInput(input)}`);
}

/** Session fields, each broken so that no parser may accept the document (userId may hold any text but "/"). */
const brokenSessionField = fc.oneof(
  fc.tuple(
    fc.constantFrom('startTime', 'endTime'),
    // Timestamp objects of 2025 are good legacy times (not for a callable): only implausible ones break a document.
    fc.constantFrom(...FAR_TIMES, ...NON_FINITE, ...ODD_SHAPES, ...UNICODE, { seconds: 1e20, nanoseconds: 0 }, { seconds: 1741510800, nanoseconds: -1 }, { toMillis: 'x' }).filter((v) => !plausible(v)),
  ),
  fc.tuple(fc.constant('timezone'), fc.constantFrom(...BAD_ZONES.filter((z) => !isValidTimeZone(z)), 5, true, [], {}, ['UTC'])),
  fc.tuple(fc.constant('userId'), fc.constantFrom('', 'a/b', '/', 'a'.repeat(129), ONE_MB, 5, true, [], {}, ['u1'])),
);

const hostileDocument = fc.oneof(
  fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 3 }), fc.object({ maxDepth: 2 })),
  fc.array(brokenSessionField, { minLength: 1, maxLength: 4 }).map((pairs) => ({ ...validSession, ...Object.fromEntries(pairs) })),
  // (A missing userId is fine under users/{uid}/sessions: the path names the owner.)
  fc.constantFrom('startTime', 'endTime').map((f) => Object.fromEntries(Object.entries(validSession).filter(([k]) => k !== f))),
  fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), brokenSessionField).map(([key, [field, value]]) => withOwnKey({ ...validSession, [field]: value }, key, { startTime: validSession.startTime })),
);

const hostilePath = fc.oneof(
  fc.constantFrom('sessions', 'sessions/', '/sessions/', 'sessions//x', 'sessions/a/b', 'users/u1/sessions/a b', `sessions/${ONE_MB}`, `sessions/${'a'.repeat(129)}`, 'sessions/é', 'sessions/__proto__', '..', ''),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

describe('legacy-document parsers against the hostile corpus', () => {
  const tally = corpusTally('legacy documents');
  afterAll(() => tally.print());

  it('parseLegacySession rejects every hostile session document with a known reason', () => {
    let tried = 0;
    fc.assert(
      fc.property(hostileDocument, fc.constantFrom('sessions/s1', 'users/u1/sessions/s1', 'users/u2/sessions/s1'), fc.boolean(), (doc, path, withDefaults) => {
        tried++;
        const ctx = withDefaults ? { ...context, userTimeZone: () => 'UTC', defaultTimeZone: 'UTC' } : context;
        const result = parseLegacySession(at(path), doc, ctx);
        // A document without a zone of its own may borrow its user's; only a broken field must be refused.
        if (result.ok) {
          const s = result.session;
          expect(s.startMs).toBeGreaterThanOrEqual(Date.UTC(2000, 0, 1));
          expect(s.endMs).toBeGreaterThan(s.startMs);
          expect(s.endMs - s.startMs).toBeLessThanOrEqual(24 * 3_600_000);
          expect(isValidTimeZone(s.timeZone)).toBe(true);
          expect(s.userId).toMatch(/^[^/]{1,128}$/);
          throw new Error(`accepted hostile document ${describeInput(doc)} at ${path}`);
        }
        expectReject(result, doc);
      }),
      { numRuns: RUNS },
    );
    tally.add('parseLegacySession', tried);
  });

  it('parseLegacySession rejects a valid document at a hostile path', () => {
    let tried = 0;
    fc.assert(
      fc.property(hostilePath, (path) => {
        const location = parseLegacyPath(path);
        tried++;
        if (location === null) return;
        const result = parseLegacySession(location, validSession, context);
        if (result.ok) expect(result.session.sessionId).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
        else expectReject(result, path);
      }),
      { numRuns: RUNS / 4 },
    );
    tally.add('parseLegacyPath + parseLegacySession', tried);
  });

  it('parseLegacyUser rejects every hostile users document with a known reason, or reads a zone the runtime knows', () => {
    let tried = 0;
    let accepted = 0;
    const userDoc = fc.oneof(
      hostileDocument,
      fc.constantFrom(...BAD_ZONES, ...NON_FINITE, ...ODD_SHAPES, ...UNICODE).map((timezone) => ({ timezone })),
      fc.constantFrom(...PROTOTYPE_KEYS).map((k) => withOwnKey({ timezone: 'Mars/Base' }, k, { timezone: 'UTC' })),
    );
    fc.assert(
      fc.property(userDoc, fc.oneof(fc.constant('users/u1'), hostilePath.filter((p) => parseLegacyPath(p) !== null)), (doc, path) => {
        tried++;
        const result = parseLegacyUser(at(path), doc);
        if (result.ok) {
          accepted++;
          // A users document needs no zone; when it has one, the runtime knows it.
          expect(result.user.timeZone === null || isValidTimeZone(result.user.timeZone)).toBe(true);
          expect(result.user.userId.length).toBeGreaterThan(0);
        } else expectReject(result, doc);
      }),
      { numRuns: RUNS },
    );
    tally.add('parseLegacyUser', tried);
    expect(accepted).toBeLessThan(tried);
  });

  const parseLegacyFriends = (legacy as Record<string, unknown>).parseLegacyFriends as
    | ((location: LegacyPath, data: unknown) => { ok: true; listing: { userId: string; friendIds: string[] } } | { ok: 'skip' } | { ok: false; reject: Reject })
    | undefined;
  (parseLegacyFriends ? it : it.skip)('parseLegacyFriends rejects every hostile friends listing, or keeps only well-formed uids other than the lister', () => {
    let tried = 0;
    const friendsDoc = fc.oneof(
      hostileDocument,
      fc.oneof(hostileValue, fc.array(hostileValue, { maxLength: 6 })).map((friends) => ({ friends })),
      fc.constantFrom(...PROTOTYPE_KEYS).map((k) => withOwnKey({ friends: ['a'] }, k, ['b'])),
    );
    fc.assert(
      fc.property(friendsDoc, fc.oneof(fc.constant('users/u1'), hostilePath.filter((p) => parseLegacyPath(p) !== null)), (doc, path) => {
        tried++;
        const result = parseLegacyFriends!(at(path), doc);
        if (result.ok === false) expectReject(result, doc);
        else if (result.ok === true) {
          for (const id of result.listing.friendIds) {
            expect(typeof id).toBe('string');
            expect(id.length).toBeGreaterThanOrEqual(1);
            expect(id.length).toBeLessThanOrEqual(128);
            expect(id).not.toBe(result.listing.userId);
          }
        }
      }),
      { numRuns: RUNS / 2 },
    );
    tally.add('parseLegacyFriends', tried);
  });

  it('parseExportLine answers every hostile line with a reject, or a document whose path and data are well-formed', () => {
    let tried = 0;
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.record({ path: fc.oneof(hostilePath, hostileValue), data: hostileDocument }, { requiredKeys: [] }).map((o) => JSON.stringify(o) ?? ''),
      fc.record({ id: fc.oneof(hostilePath, hostileValue), path: fc.constantFrom('sessions/x', undefined), data: hostileDocument }, { requiredKeys: ['data'] }).map((o) => JSON.stringify(o) ?? ''),
      fc.constantFrom(...PROTOTYPE_KEYS).map((k) => JSON.stringify(withOwnKey({ path: 'sessions/x', data: validSession }, k, { path: 'users/y' }))),
      fc.constantFrom(`{"path":"sessions/x","data":${JSON.stringify({ ...validSession, userId: ONE_MB })}}`, `{"path":"${ONE_MB}","data":{}}`, '{"path":"sessions/x","data":{"startTime":NaN}}', '{"path":"sessions/x","data":[]}', '\u0000', '{"__proto__":{"path":"sessions/x"},"data":{}}'),
    );
    fc.assert(
      fc.property(line, fc.constantFrom('sessions', 'users'), (text, collection) => {
        tried++;
        const parsed = parseExportLine(text, 7, collection);
        if (parsed === null) return expect(text.trim()).toBe('');
        if (!parsed.ok) return expectReject(parsed, text);
        const doc = parsed.doc;
        expect(parseLegacyPath(doc.path)).not.toBeNull();
        expect(typeof doc.data === 'object' && doc.data !== null && !Array.isArray(doc.data)).toBe(true);
        // What an export line hands on goes to the document parsers: they, too, answer and never throw.
        if (misplacedLine(doc, collection as 'sessions') !== null) return;
        const next = collection === 'sessions' ? parseLegacySession(doc, doc.data, context) : parseLegacyUser(doc, doc.data);
        if (!next.ok) expectReject(next, text);
      }),
      { numRuns: RUNS },
    );
    tally.add('parseExportLine (+ document parser)', tried);
  });
});
