import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import functionsTest from 'firebase-functions-test';
import { createRun } from '../../src/db/backfillRuns';
import { storeRejects } from '../../src/db/backfillRejects';
import { DatabaseUnavailableError } from '../../src/db/errors';
import { RateLimitedError } from '../../src/db/RateLimitedError';
import { acceptFocusSession } from '../../src/index';
import { handleLegacySession } from '../../src/bridge/handleLegacySession';
import { toHttpsError } from '../../src/callables/toHttpsError';
import { relayOutboxPass } from '../../src/outbox/relayStreakOutbox';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { reconcilePass } from '../../src/reconcile/reconcileLegacySessions';
import { setRuntime } from '../../src/runtime';
import { loadMonitoringFiles } from '../../../scripts/lib/monitoring/monitoringFiles';
import { useTestRuntime } from '../support/callableTestRuntime';
import { entryOfLine, extractValue, matchesLoggingQuery, parseLoggingQuery, type LogEntry } from '../support/loggingQuery';
import { messageEvent } from '../support/messageEvent';
import { recordLogLines, type LogLine } from '../support/recordLogLines';
import { streakEvent } from '../support/streakEvent';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// The metrics and alerts of .monitoring/ against the code: the lines their filters count are the lines
// the code really writes. The code paths below run (in-memory doubles where a cloud service would be)
// while the SDK's own output is recorded; then every metric's filter must match at least one of those
// lines, its labels and value must extract from them, and every message a filter names must still be in
// a log catalogue. A renamed line fails here instead of emptying a chart or silencing an alert.

const SRC = path.resolve(__dirname, '../../src');
const files = loadMonitoringFiles();
const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const accept = fft.wrap(acceptFocusSession);
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
const call = (uid: string, data: unknown) => (accept({ data, auth: asUser(uid), rawRequest: { headers: {} } } as never) as Promise<unknown>).catch(() => undefined);
const NOW = new Date().toISOString();

/** Every fixed message a catalogue (functions/src/<folder>/logs.ts) can write. */
function catalogueMessages(): string[] {
  return readdirSync(SRC, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const file = path.join(SRC, d.name, 'logs.ts');
      try {
        return [...readFileSync(file, 'utf8').matchAll(/'([a-z]+: [^']+)'|`([a-z]+: [^`$]+)/g)].map((m) => (m[1] ?? m[2])!);
      } catch {
        return [];
      }
    });
}

/** The messages a filter names (jsonPayload.message = or : "…"). */
const namedMessages = (filter: string) => [...filter.matchAll(/jsonPayload\.message\s*(?:=|:)\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);

let db: TestDatabase;
let entries: LogEntry[];
let lines: LogLine[];

beforeAll(async () => {
  db = await createTestDatabase();
  const runtime = useTestRuntime(db, NOW);
  const recorder = recordLogLines();
  try {
    // Callables: accepted, duplicate, conflict, invalid; refusals and errors through the one mapping to answers.
    const session = { sessionId: 'g-1', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' };
    await call('gina', session);
    await call('gina', session);
    await call('gina', { ...session, endTime: '2025-03-09T09:50:00Z' });
    await call('gina', { ...session, sessionId: '' });
    const context = { fn: 'acceptFocusSession', uid: 'gina' };
    toHttpsError(new RateLimitedError('acceptFocusSession', 3), context);
    toHttpsError(new DatabaseUnavailableError('connection refused'), context);
    toHttpsError(new Error('a bug'), context);

    // Bridge: accepted, duplicate, rejected, dropped.
    const legacy = (id: string, data: unknown) => ({ id: `e-${id}`, params: { sessionId: id }, data: { data: () => data, ref: { path: `sessions/${id}` } } });
    const deps = { runtime: async () => runtime, legacyUserTimeZone: async () => null };
    const doc = { userId: 'hal', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' };
    await handleLegacySession(legacy('l-1', doc), deps);
    await handleLegacySession(legacy('l-1', doc), deps);
    await handleLegacySession(legacy('l-2', { startTime: 'yesterday' }), deps);
    await handleLegacySession(legacy('l-3', doc), { ...deps, runtime: async () => Promise.reject(new Error('a bug, not transient')) });

    // Relay pass (backlog), projector (written, malformed, stale, failed).
    await relayOutboxPass();
    const store = new InMemoryStreakStore();
    await handleStreakMessage(messageEvent(streakEvent('ivy', 1)), { store: async () => store });
    await handleStreakMessage(messageEvent('not json'), { store: async () => store });
    await handleStreakMessage(messageEvent(streakEvent('ivy', 2), { time: '2020-01-01T00:00:00Z' }), { store: async () => store });
    await handleStreakMessage(messageEvent(streakEvent('ivy', 3)), { store: async () => Promise.reject(new Error('Firestore unavailable')) }).catch(() => undefined);

    // Reconcile pass: backfill rejects stored by a run, and a run without progress (seen from an hour later).
    await createRun(db.pool, { id: 'run-guard', kind: 'sessions', source: 'test', options: {} });
    await storeRejects(db.pool, 'run-guard', [{ path: 'sessions/x', reason: 'missing_user', detail: 'no userId', raw: {} }]);
    runtime.setNow(new Date(Date.now() + 60 * 60_000).toISOString());
    const empty = { page: async () => [], read: async () => new Map() };
    await reconcilePass(runtime, { legacy: empty, projections: empty } as never);
  } finally {
    recorder.stop();
  }
  lines = recorder.lines;
  entries = lines.map((line) => entryOfLine(line));
});
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

describe('the monitoring filters against the lines the code writes', () => {
  it('recorded lines of every kind the paths above produce', () => {
    expect(lines.length).toBeGreaterThan(15);
  });

  it.each(files.metrics.map((m) => [m.metric.name, m.metric] as const))('%s matches at least one real line, and its labels and value extract from them', (_name, metric) => {
    const matched = entries.filter((e) => matchesLoggingQuery(metric.filter, e));
    expect(matched.length).toBeGreaterThan(0);
    for (const [label, extractor] of Object.entries(metric.labelExtractors ?? {})) {
      // Every line it counts gets a value: an empty label would merge unlike things in a chart.
      expect({ label, values: matched.map((e) => extractValue(extractor, e)) }).toEqual({ label, values: matched.map(() => expect.stringMatching(/.+/)) });
    }
    if (metric.valueExtractor) {
      for (const e of matched) expect(Number.isFinite(Number(extractValue(metric.valueExtractor, e)))).toBe(true);
    }
  });

  it('names only messages some log catalogue still writes', () => {
    const catalogue = catalogueMessages();
    expect(catalogue.length).toBeGreaterThan(50);
    const gone = files.metrics.flatMap((m) => namedMessages(m.metric.filter).filter((named) => !catalogue.some((message) => message.includes(named))).map((named) => `${m.metric.name}: "${named}"`));
    expect(gone).toEqual([]);
  });

  it('has no metric that counts nothing but names no message (each one is tied to the catalogue)', () => {
    expect(files.metrics.filter((m) => namedMessages(m.metric.filter).length === 0).map((m) => m.metric.name)).toEqual([]);
  });

  it('fails a renamed line: the filter of a metric no longer matches once its message changes', () => {
    const metric = files.metrics.find((m) => m.metric.name === 'projection_lag_ms')!.metric;
    const renamed = entries.map((e) => ({ ...e, jsonPayload: { ...e.jsonPayload, message: String(e.jsonPayload.message).replace('projection: streak written', 'projection: streak stored') } }));
    expect(renamed.filter((e) => matchesLoggingQuery(metric.filter, e))).toEqual([]);
  });
});

describe('the query evaluator', () => {
  const entry: LogEntry = { severity: 'WARNING', resource: { type: 'cloud_run_revision' }, jsonPayload: { message: 'bridge: legacy session rejected', reason: 'conflict', n: 3 } };
  it.each([
    ['resource.type="cloud_run_revision"', true],
    ['jsonPayload.message:"LEGACY SESSION"', true],
    ['jsonPayload.message="bridge: legacy session"', false],
    ['jsonPayload.reason:* AND NOT jsonPayload.missing:*', true],
    ['jsonPayload.reason="conflict" OR jsonPayload.reason="x"', true],
    ['(jsonPayload.reason="x" OR jsonPayload.n="3") AND severity>=WARNING', true],
    ['severity>=ERROR', false],
    ['jsonPayload.message=~"^bridge: .*rejected$"', true],
    ['NOT (jsonPayload.reason="conflict")', false],
  ])('%s is %s', (query, expected) => {
    expect(matchesLoggingQuery(query, entry)).toBe(expected);
  });

  it('refuses what it does not know rather than judging it', () => {
    expect(() => parseLoggingQuery('textPayload:"x"')).toThrow(/unsupported/);
    expect(() => parseLoggingQuery('jsonPayload.a="x" jsonPayload.b="y"')).toThrow(/implicit AND/);
  });

  it('extracts as log-based metrics do', () => {
    expect(extractValue('EXTRACT(jsonPayload.reason)', entry)).toBe('conflict');
    expect(extractValue('REGEXP_EXTRACT(jsonPayload.message, "(callable|bridge): ")', entry)).toBe('bridge');
    expect(extractValue('EXTRACT(jsonPayload.absent)', entry)).toBeNull();
  });
});
