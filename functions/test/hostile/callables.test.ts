import fc from 'fast-check';
import functionsTest from 'firebase-functions-test';
import * as deployed from '../../src/index';
import { logs } from '../../src/callables/logs';
import { isDayStartMinutes } from '../../src/domain';
import { setRuntime } from '../../src/runtime';
import { silenceLogs } from '../support/silenceLogs';
import { useTestRuntime } from '../support/callableTestRuntime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { BAD_ZONES, FAR_TIMES, NON_FINITE, ODD_SHAPES, PROTOTYPE_KEYS, UNICODE, corpusTally, describeInput, hostileValue, withOwnKey } from '../support/hostileValues';
import { changedTables, countAllRows } from '../support/tableRows';

// The hostile corpus against every deployed callable: whatever the body, the answer is a documented
// error with a message (a success only where the body is a valid request), never `internal`, never a
// throw of anything else, and nothing is written.
jest.setTimeout(120_000);
const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const NOW = '2025-03-10T12:00:00Z';
const CALLER = 'hostile-caller';
const RUNS_PER_CALLABLE = Number(process.env.HOSTILE_RUNS ?? 400);
const DOCUMENTED_ERRORS = new Set(['invalid-argument', 'not-found', 'already-exists', 'permission-denied', 'resource-exhausted', 'unauthenticated']);

type Kind = 'sessionId' | 'instant' | 'zone' | 'uid' | 'limit' | 'by' | 'cursor' | 'confirm' | 'minutes';

interface CallableEntry {
  /** A valid request: the corpus breaks one thing at a time, or all of it. */
  base: Record<string, unknown>;
  fields: Record<string, Kind>;
  /** Whether `data` is a valid request by the contract (a success is then allowed, still with 0 writes). */
  valid(data: unknown): boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const onlyKeys = (data: unknown, allowed: string[]) => data === undefined || data === null || (isPlainObject(data) && Object.keys(data).every((k) => allowed.includes(k)) && !Object.prototype.hasOwnProperty.call(data, '__proto__'));
const isUid = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 128 && !v.includes('\u0000');

/**
 * Every callable the corpus knows how to break. A callable exported from index.ts but missing here
 * fails the first spec: add its valid request, its fields' kinds and its validity rule.
 */
const CALLABLES: Record<string, CallableEntry> = {
  acceptFocusSession: {
    base: { sessionId: 'h-1', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'Europe/Paris' },
    fields: { sessionId: 'sessionId', startTime: 'instant', endTime: 'instant', timezone: 'zone' },
    // Every corpus value for an instant or a zone is invalid, and sessionIds are drawn invalid: never a valid session.
    valid: () => false,
  },
  getMyStreak: { base: {}, fields: {}, valid: (d) => onlyKeys(d, []) },
  getFriends: { base: {}, fields: {}, valid: (d) => onlyKeys(d, []) },
  getFriendsLeaderboard: {
    base: { limit: 10, by: 'streak' },
    fields: { limit: 'limit', by: 'by' },
    valid: (d) =>
      onlyKeys(d, ['limit', 'by']) &&
      (d == null || (((d as Record<string, unknown>).limit === undefined || validLimit((d as Record<string, unknown>).limit)) && [undefined, 'streak', 'weekFocus'].includes((d as Record<string, unknown>).by as string))),
  },
  // A valid friendId names nobody the directory knows: not-found (add) or a no-op (remove), never a write.
  addFriend: { base: { friendId: 'nobody-known' }, fields: { friendId: 'uid' }, valid: (d) => onlyKeys(d, ['friendId']) && d != null && isUid((d as Record<string, unknown>).friendId) },
  removeFriend: { base: { friendId: 'nobody-known' }, fields: { friendId: 'uid' }, valid: (d) => onlyKeys(d, ['friendId']) && d != null && isUid((d as Record<string, unknown>).friendId) },
  exportMyData: { base: {}, fields: { cursor: 'cursor' }, valid: (d) => onlyKeys(d, ['cursor']) && (d == null || [undefined, null].includes((d as Record<string, unknown>).cursor as never) || typeof (d as Record<string, unknown>).cursor === 'string') },
  // The caller owns no rows, so even a valid deletion writes nothing.
  deleteMyData: { base: { confirm: true }, fields: { confirm: 'confirm' }, valid: (d) => onlyKeys(d, ['confirm']) && d != null && (d as Record<string, unknown>).confirm === true },
  setDayStart: { base: { minutes: 240 }, fields: { minutes: 'minutes' }, valid: (d) => onlyKeys(d, ['minutes']) && d != null && isDayStartMinutes((d as Record<string, unknown>).minutes) },
};

function validLimit(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 100;
}

const invalidSessionId = (v: unknown) => !(typeof v === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(v));

/** Hostile values per kind of field; for acceptFocusSession's fields only ever invalid ones. */
const HOSTILE_BY_KIND: Record<Kind, fc.Arbitrary<unknown>> = {
  sessionId: fc.oneof(hostileValue, fc.constantFrom('a/b', 'a b', 'é', 'a'.repeat(129), '', '..', 'a.b', 's-1\n')).filter(invalidSessionId),
  instant: fc.constantFrom(...FAR_TIMES, ...NON_FINITE, ...ODD_SHAPES, ...UNICODE),
  zone: fc.constantFrom(...BAD_ZONES, ...NON_FINITE, ...ODD_SHAPES, ...UNICODE),
  uid: hostileValue,
  limit: fc.oneof(hostileValue, fc.constantFrom(0, 101, -1, 1.5, '10', 1e9, Number.NaN)),
  by: fc.oneof(hostileValue, fc.constantFrom('Streak', 'weekfocus', 'streak ', 'longest', '')),
  cursor: hostileValue,
  confirm: fc.oneof(hostileValue, fc.constantFrom('true', 1, 'yes', false)),
  minutes: fc.oneof(hostileValue, fc.constantFrom(-15, 721, 735, 10, 7.5, '60', Number.NaN, Number.POSITIVE_INFINITY, 1e9)),
};

interface HostileCall {
  data: unknown;
  signedIn: boolean;
}

/** One hostile request of a callable: a broken field, an extra (prototype) key, a random body, or no auth. */
function hostileCall(entry: CallableEntry): fc.Arbitrary<HostileCall> {
  const fieldNames = Object.keys(entry.fields);
  const signedIn = (data: unknown) => ({ data, signedIn: true });
  const variants: Array<fc.Arbitrary<HostileCall>> = [
    // The whole body replaced: random JSON, a scalar, an array, null.
    fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 4 }), fc.object({ maxDepth: 2 })).map(signedIn),
    // An own prototype key (or an unknown key) next to a valid request.
    fc.tuple(fc.constantFrom<string>(...PROTOTYPE_KEYS, 'userId', 'extra', ''), hostileValue).map(([key, value]) => signedIn(withOwnKey(entry.base, key, value))),
    // A field missing.
    ...(fieldNames.length ? [fc.constantFrom(...fieldNames).map((f) => signedIn(Object.fromEntries(Object.entries(entry.base).filter(([k]) => k !== f))))] : []),
    // One field, or several at once, broken.
    ...(fieldNames.length
      ? [
          fc
            .subarray(fieldNames, { minLength: 1 })
            .chain((fields) => fc.tuple(...fields.map((f) => HOSTILE_BY_KIND[entry.fields[f] as Kind].map((v) => [f, v] as const))))
            .map((pairs) => signedIn({ ...entry.base, ...Object.fromEntries(pairs) })),
        ]
      : []),
    // No auth at all, with an otherwise valid request.
    fc.constant({ data: entry.base, signedIn: false }),
  ];
  return fc.oneof(...variants);
}

const callableNames = Object.entries(deployed)
  .filter(([, fn]) => (fn as { __endpoint?: { callableTrigger?: unknown } }).__endpoint?.callableTrigger !== undefined)
  .map(([name]) => name)
  .sort();

let db: TestDatabase;
const tally = corpusTally('callables');
beforeEach(() => {
  silenceLogs(logs);
  // Every callable's log lines (friends, account data, …): the corpus is meant to be rejected loudly.
  for (const method of ['info', 'debug', 'warn', 'error'] as const) jest.spyOn(console, method).mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());
beforeAll(async () => {
  db = await createTestDatabase();
  // Nobody exists in this directory: a well-formed friendId is an unknown user.
  setRuntime({ ...useTestRuntime(db, NOW), users: { exists: async () => false } });
});
afterAll(async () => {
  tally.print();
  setRuntime(undefined);
  fft.cleanup();
  await db?.close();
});

const call = (name: string, input: HostileCall) =>
  fft.wrap((deployed as unknown as Record<string, never>)[name])({
    data: input.data,
    ...(input.signedIn ? { auth: { uid: CALLER, token: { uid: CALLER, sub: CALLER } } } : {}),
    rawRequest: { headers: {}, body: { data: input.data } },
  } as never) as Promise<unknown>;

/** Why an answer to a hostile request is not a clear, documented one; null when it is. */
function problemWith(name: string, input: HostileCall, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): string | null {
  if (outcome.ok) {
    return input.signedIn && CALLABLES[name]!.valid(input.data) ? null : 'answered with success';
  }
  const e = outcome.error as { code?: unknown; message?: unknown; details?: unknown; constructor?: { name?: string } };
  if (e?.constructor?.name !== 'HttpsError') return `threw ${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e)}`;
  if (typeof e.code !== 'string' || !DOCUMENTED_ERRORS.has(e.code)) return `answered ${String(e.code)}: ${String(e.message)}`;
  if (typeof e.message !== 'string' || e.message.length === 0) return `answered ${e.code} without a message`;
  if (!input.signedIn && e.code !== 'unauthenticated') return `answered ${e.code} without auth`;
  if (e.code === 'invalid-argument') {
    const issues = (e.details as { issues?: unknown })?.issues;
    if (!Array.isArray(issues) || issues.length === 0 || issues.length > 100) return `invalid-argument with details.issues ${describeInput(issues)}`;
    if (!issues.every((i: { field?: unknown; code?: unknown; message?: unknown }) => ['field', 'code', 'message'].every((k) => typeof i[k as 'field'] === 'string'))) {
      return `invalid-argument with an issue missing field/code/message: ${describeInput(issues)}`;
    }
  }
  return null;
}

describe('every callable against the hostile corpus', () => {
  it('knows how to break every deployed callable', () => {
    const unknown = callableNames.filter((n) => !(n in CALLABLES));
    expect(unknown).toEqual([]);
  });

  it.each(callableNames.filter((n) => n in CALLABLES))('%s answers every hostile request with a documented error and writes nothing', async (name) => {
    const entry = CALLABLES[name] as CallableEntry;
    const before = await countAllRows(db.pool);
    const codes = new Map<string, number>();
    const admitted: HostileCall[] = [];
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(hostileCall(entry), async (input) => {
        tried++;
        // A request the contract admits may write bookkeeping (a rate-limit token): it is answered after the row check.
        if (input.signedIn && entry.valid(input.data)) return void admitted.push(input);
        const outcome = await call(name, input).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        const key = outcome.ok ? 'success' : String((outcome.error as { code?: unknown })?.code);
        codes.set(key, (codes.get(key) ?? 0) + 1);
        const problem = problemWith(name, input, outcome);
        if (problem) throw new Error(`${name} ${problem} for ${input.signedIn ? '' : 'an unauthenticated '}body ${describeInput(input.data)}`);
      }),
      { numRuns: RUNS_PER_CALLABLE },
    );
    tally.add(name, tried);
    // One batch count: these requests are all invalid, so not a single row may appear or vanish.
    expect(changedTables(before, await countAllRows(db.pool))).toEqual([]);
    for (const input of admitted) {
      const outcome = await call(name, input).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      const problem = problemWith(name, input, outcome);
      if (problem) throw new Error(`${name} ${problem} for valid body ${describeInput(input.data)}`);
    }
    expect(codes.get('internal')).toBeUndefined();
  });

  it('sends each fixed hostile value through every field of every callable', async () => {
    const fixed = [...FAR_TIMES, ...NON_FINITE, ...BAD_ZONES, ...UNICODE, ...ODD_SHAPES];
    const failures: string[] = [];
    for (const name of callableNames.filter((n) => n in CALLABLES)) {
      const entry = CALLABLES[name] as CallableEntry;
      let checked = false;
      const before = await countAllRows(db.pool);
      const bodies: unknown[] = [...fixed, ...PROTOTYPE_KEYS.map((k) => withOwnKey(entry.base, k, { polluted: true }))];
      for (const field of Object.keys(entry.fields)) {
        // A valid value is not hostile: a session id that is well formed, or deleteMyData's confirm: true (a real deletion).
        const pool = entry.fields[field] === 'sessionId' ? fixed.filter(invalidSessionId) : entry.fields[field] === 'confirm' ? fixed.filter((v) => v !== true) : fixed;
        bodies.push(...pool.map((v) => ({ ...entry.base, [field]: v })));
      }
      // Invalid bodies first, with the row check; then the few the contract admits (see above).
      const ordered = [...bodies.filter((d) => !entry.valid(d)), ...bodies.filter((d) => entry.valid(d))];
      for (const data of ordered) {
        if (entry.valid(data) && !checked) {
          checked = true;
          expect(changedTables(before, await countAllRows(db.pool))).toEqual([]);
        }
        const input = { data, signedIn: true };
        const outcome = await call(name, input).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        const problem = problemWith(name, input, outcome);
        if (problem) failures.push(`${name}: ${problem} for ${describeInput(data)}`);
      }
      if (!checked) expect(changedTables(before, await countAllRows(db.pool))).toEqual([]);
      tally.add(name, bodies.length);
    }
    expect(failures).toEqual([]);
  });
});
