import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptFocusSession } from '../../src/index';
import { relayOutbox } from '../../src/outbox/relayOutbox';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { setRuntime } from '../../src/runtime';
import { handleLegacySession } from '../../src/bridge/handleLegacySession';
import { streakEventAttributes, type StreakEvent } from '../../src/contract/streakEvent';
import { messageEvent } from '../support/messageEvent';
import { recordLogLines, type LogLine } from '../support/recordLogLines';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { useTestRuntime } from '../support/callableTestRuntime';

// One accept followed from the callable's request to the projector's write: the same trace on each step's lines.
const PROJECT = 'demo-focus-streaks';
const fft = functionsTest({ projectId: PROJECT });
const accept = fft.wrap(acceptFocusSession);
const NOW = '2025-03-10T12:00:00Z';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } as never });
const call = (uid: string, data: unknown, headers: Record<string, string>) =>
  accept({ data, auth: asUser(uid), rawRequest: { headers } } as never) as Promise<{ accepted: boolean }>;
const session = (id: string) => ({ sessionId: id, startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' });
const traceOf = (line: LogLine) => line['logging.googleapis.com/trace'];

let db: TestDatabase;
let runtime: ReturnType<typeof useTestRuntime>;
let recorder: ReturnType<typeof recordLogLines>;
const previousProject = process.env.GCLOUD_PROJECT;
beforeAll(async () => {
  process.env.GCLOUD_PROJECT = PROJECT;
  db = await createTestDatabase();
  runtime = useTestRuntime(db, NOW);
});
beforeEach(() => (recorder = recordLogLines()));
afterEach(() => recorder.stop());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
  if (previousProject === undefined) delete process.env.GCLOUD_PROJECT;
  else process.env.GCLOUD_PROJECT = previousProject;
});

const outboxTrace = (userId: string) =>
  db.pool.oneFirst(sql.type(z.object({ trace: z.string().nullable() }))`select trace from streak_outbox where user_id = ${userId} order by version desc limit 1`);

describe('one trace from the request to the document', () => {
  it('carries the traceparent of the request through the accept, the outbox row, the message and the projection', async () => {
    await expect(call('tina', session('t-1'), { traceparent: TRACEPARENT })).resolves.toMatchObject({ accepted: true });
    const expected = `projects/${PROJECT}/traces/${TRACE_ID}`;
    const accepted = recorder.lines.find((l) => l.message === 'callable: session accepted');
    expect(accepted).toMatchObject({ fn: 'acceptFocusSession', 'logging.googleapis.com/trace': expected, 'logging.googleapis.com/spanId': '00f067aa0ba902b7', version: 1 });
    expect(recorder.lines.find((l) => l.message === 'outbox: row published')).toMatchObject({ by: 'accept', 'logging.googleapis.com/trace': expected });
    expect(await outboxTrace('tina')).toBe(TRACEPARENT);
    expect(runtime.publisher.traces[runtime.publisher.published.findIndex((e) => e.userId === 'tina')]).toBe(TRACEPARENT);

    const event = runtime.publisher.publishedFor('tina')[0]!;
    const store = new InMemoryStreakStore();
    const projectedAt = Date.parse(event.updatedAt) + 1234;
    await handleStreakMessage(messageEvent(event, { attributes: { ...streakEventAttributes(event), traceparent: TRACEPARENT } }), { store: async () => store, now: () => projectedAt });
    expect(recorder.lines.find((l) => l.message === 'projection: streak written')).toMatchObject({
      userId: 'tina', 'logging.googleapis.com/trace': expected, committedAt: event.updatedAt, lagMs: 1234,
    });
  });

  it('reads X-Cloud-Trace-Context when there is no traceparent, and starts a new trace for a malformed header', async () => {
    await call('uma', session('u-1'), { 'x-cloud-trace-context': `${TRACE_ID}/1;o=1` });
    expect(await outboxTrace('uma')).toBe(`00-${TRACE_ID}-0000000000000001-01`);
    await call('vic', session('v-1'), { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` });
    const fresh = await outboxTrace('vic');
    expect(fresh).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(fresh).not.toContain('0'.repeat(32));
    const line = recorder.lines.find((l) => l.message === 'callable: session accepted' && l.uid === 'vic')!;
    expect(traceOf(line)).toBe(`projects/${PROJECT}/traces/${fresh!.split('-')[1]}`);
  });

  it('publishes under the row trace from the relay when the accept could not', async () => {
    runtime.publisher.failNext(1);
    await call('wes', session('w-1'), { traceparent: TRACEPARENT });
    await db.pool.query(sql.unsafe`update streak_outbox set next_attempt_at = now() - interval '1 millisecond' where user_id = 'wes'`);
    await relayOutbox(db.pool, runtime.publisher, { publishTimeoutMs: 1000 });
    expect(runtime.publisher.traces[runtime.publisher.published.findIndex((e) => e.userId === 'wes')]).toBe(TRACEPARENT);
    expect(recorder.lines.find((l) => l.message === 'outbox: row published' && l.userId === 'wes')).toMatchObject({ by: 'relay', 'logging.googleapis.com/trace': `projects/${PROJECT}/traces/${TRACE_ID}` });
  });

  it('projects a message without a traceparent (or with a malformed one) under a trace of its own', async () => {
    const event: StreakEvent = { userId: 'xena', version: 1, currentStreak: 0, longestStreak: 0, lastQualifiedDate: null, qualifiedDaysCount: 0, timezone: null, streakExpiresAt: null, updatedAt: NOW, freezesAvailable: 0, frozenDates: [], dayStartMinutes: 0 };
    const store = new InMemoryStreakStore();
    await handleStreakMessage(messageEvent(event, { attributes: { ...streakEventAttributes(event), traceparent: 'not a trace' } }), { store: async () => store });
    const line = recorder.lines.find((l) => l.message === 'projection: streak written' && l.userId === 'xena')!;
    expect(String(traceOf(line))).toMatch(new RegExp(`^projects/${PROJECT}/traces/[0-9a-f]{32}$`));
    expect(store.get('xena')).toBeDefined();
  });

  it("gives the bridge's lines and outbox row a trace derived from the trigger's event id, the same on a retry", async () => {
    const doc = { userId: 'yara', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' };
    const event = { id: 'event-42', params: { sessionId: 'legacy-1' }, data: { data: () => doc, ref: { path: 'sessions/legacy-1' } } };
    await handleLegacySession(event, { runtime: async () => runtime, legacyUserTimeZone: async () => null });
    await handleLegacySession(event, { runtime: async () => runtime, legacyUserTimeZone: async () => null });
    const [first, retry] = recorder.lines.filter((l) => String(l.message).startsWith('bridge: legacy session'));
    expect(first!.message).toBe('bridge: legacy session accepted');
    expect(retry!.message).toBe('bridge: legacy session already stored');
    expect(traceOf(first!)).toBe(traceOf(retry!));
    const stored = await outboxTrace('yara');
    expect(traceOf(first!)).toBe(`projects/${PROJECT}/traces/${stored!.split('-')[1]}`);
  });
});
