import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptFocusSession, getMyStreak } from '../../src/index';
import { logs } from '../../src/callables/logs';
import { logs as outboxLogs } from '../../src/outbox/logs';
import { setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { databaseOf, startBackendKiller } from './support/backendKiller';
import { derivedStateMismatches } from './support/recomputeCheck';

// PostgreSQL "restarts" under the callables: the backends of this test's database are terminated
// again and again while signed-in users keep accepting sessions. Every answer is a success or
// `unavailable` within a bounded time, the callables succeed again once the kills stop, every session
// answered with success is stored, and a recompute from focus_sessions finds nothing counted twice.
const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const accept = fft.wrap(acceptFocusSession);
const myStreak = fft.wrap(getMyStreak);
const NOW = '2025-03-10T12:00:00Z';
const USERS = 16;
const CALM_BEFORE_MS = 1500;
const KILLING_MS = 5000;
const KILL_EVERY_MS = 200;
const RECOVERY_MS = 1500;
const CALM_AFTER_MS = 3000;
const BOUND_MS = 10_000;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 5, statementTimeoutMs: 5000 });
  // The clock stands still here, so a bucket never refills: the rate limit is raised out of the way.
  process.env.ACCEPT_RATE_PER_MINUTE = '1000000';
  process.env.ACCEPT_RATE_BURST = '1000000';
  useTestRuntime(db, NOW);
});
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db?.close();
});
beforeEach(() => {
  silenceLogs(logs);
  silenceLogs(outboxLogs);
});
afterEach(() => jest.restoreAllMocks());

interface Answer {
  userId: string;
  sessionId: string;
  fn: 'accept' | 'getMyStreak';
  at: number;
  ms: number;
  code: string;
}

it('answers unavailable within a bounded time while backends are killed, succeeds after, loses no acknowledged session and counts none twice', async () => {
  const killer = startBackendKiller(process.env.DATABASE_URL as string, databaseOf(db.url), KILL_EVERY_MS);
  const answers: Answer[] = [];
  const acknowledged: Array<{ userId: string; sessionId: string }> = [];
  const t0 = Date.now();
  const end = t0 + CALM_BEFORE_MS + KILLING_MS + RECOVERY_MS + CALM_AFTER_MS;

  const client = async (u: number) => {
    const userId = `user-${u}`;
    const auth = { uid: userId, token: { uid: userId } };
    let k = 0;
    // Time bounds the loop, so every phase (calm, kills, recovery, calm) gets calls on any machine.
    while (Date.now() < end && k < 1000) {
      const sessionId = `s-${k}`;
      // 70 minutes apart: up to 1,000 sessions a user end before NOW (2025-03-10).
      const start = Date.parse('2025-01-01T00:00:00Z') + (k * 70 + u) * 60_000;
      const data = { sessionId, startTime: new Date(start).toISOString(), endTime: new Date(start + 35 * 60_000).toISOString(), timezone: 'Europe/Paris' };
      const readOnly = k % 4 === 3;
      const started = Date.now();
      const code = await (readOnly ? myStreak({ data: {}, auth } as never) : accept({ data, auth } as never)).then(
        () => 'ok',
        (e: { code?: string }) => e?.code ?? 'thrown',
      );
      answers.push({ userId, sessionId, fn: readOnly ? 'getMyStreak' : 'accept', at: started - t0, ms: Date.now() - started, code });
      if (code === 'ok' && !readOnly) acknowledged.push({ userId, sessionId });
      // A session answered unavailable is retried with the same sessionId, as an app would: idempotent.
      if (code === 'ok' || readOnly) k++;
      await new Promise((r) => setTimeout(r, 40));
    }
  };

  const clients = Array.from({ length: USERS }, (_, u) => client(u));
  await new Promise((r) => setTimeout(r, CALM_BEFORE_MS));
  await killer.start();
  await new Promise((r) => setTimeout(r, KILLING_MS));
  const killed = await killer.stop();
  await Promise.all(clients);

  const byCode = answers.reduce<Record<string, number>>((acc, a) => ((acc[a.code] = (acc[a.code] ?? 0) + 1), acc), {});
  const killWindowEnd = CALM_BEFORE_MS + KILLING_MS;
  const during = answers.filter((a) => a.at >= CALM_BEFORE_MS && a.at < killWindowEnd);
  const after = answers.filter((a) => a.at >= killWindowEnd + RECOVERY_MS);
  const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
  // eslint-disable-next-line no-console
  console.log(
    `faults (callables): ${killed.kills} backends terminated in ${killed.rounds} rounds over ${KILLING_MS} ms; ${answers.length} answers ${JSON.stringify(byCode)}; ` +
      `during kills ${during.filter((a) => a.code === 'ok').length} ok / ${during.filter((a) => a.code === 'unavailable').length} unavailable; ` +
      `after ${after.length} answers, ${after.filter((a) => a.code === 'ok').length} ok; latency p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms; ${acknowledged.length} sessions acknowledged`,
  );

  expect(killed.kills).toBeGreaterThan(0);
  expect(Object.keys(byCode).filter((c) => c !== 'ok' && c !== 'unavailable')).toEqual([]);
  expect(during.some((a) => a.code === 'unavailable')).toBe(true);
  expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(BOUND_MS);
  expect(after.length).toBeGreaterThan(0);
  expect(after.filter((a) => a.code !== 'ok')).toEqual([]);

  const stored = new Set(
    (await db.pool.any(sql.type(z.object({ k: z.string() }))`select user_id || '/' || session_id as k from focus_sessions`)).map((r) => r.k),
  );
  expect(acknowledged.filter((a) => !stored.has(`${a.userId}/${a.sessionId}`))).toEqual([]);
  expect(await derivedStateMismatches(db.pool)).toEqual([]);
});
