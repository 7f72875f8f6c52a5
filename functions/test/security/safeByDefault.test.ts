import { capturedLogs } from '../support/captureLogs';
import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { z } from 'zod';
import { logs as accountLogs } from '../../src/account/logs';
import { handleAuthUserDeleted } from '../../src/authEvents/handleAuthUserDeleted';
import { logs } from '../../src/callables/logs';
import { readConfig } from '../../src/config';
import { openDatabase } from '../../src/db/pool';
import type { AccountDocuments } from '../../src/firebase/accountDocuments';
import * as deployed from '../../src/index';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { logs as projectionLogs } from '../../src/projection/logs';
import { setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { streakEvent } from '../support/streakEvent';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

// What holds without anyone remembering to turn it on: App Check, the uid every door accepts, one
// strict request parser for every callable, export cursors that cannot make SQL fail, and a deployed
// database connection that says what it is and carries no plain password unless that is meant.

const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const NOW = '2025-03-10T12:00:00Z';
const validRequests: Record<string, Record<string, unknown>> = {
  acceptFocusSession: { sessionId: 's-1', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' },
  getMyStreak: {},
  addFriend: { friendId: 'a-friend' },
  removeFriend: { friendId: 'a-friend' },
  setDayStart: { minutes: 240 },
  getFriends: {},
  getFriendsLeaderboard: { limit: 10, by: 'streak' },
  exportMyData: {},
  deleteMyData: { confirm: true },
};
const callables = Object.keys(validRequests);
const asUser = (uid: string) => ({ uid, token: { uid, sub: uid, firebase: { sign_in_provider: 'password' } } });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const call = (name: string, request: Record<string, unknown>) => fft.wrap((deployed as any)[name])(request as never) as Promise<unknown>;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(logs);
  silenceLogs(accountLogs);
  silenceLogs(projectionLogs);
  setRuntime({ ...useTestRuntime(db, NOW), users: { exists: async () => true }, accountDocuments: null });
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await db.close();
});

/** Runs `work` with these environment variables (undefined: unset), then puts the environment back. */
async function withEnv<T>(vars: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return await work();
  } finally {
    set(saved);
  }
}

describe('App Check is on unless deliberately off', () => {
  const production = { GCLOUD_PROJECT: 'focus-streaks-prod', FUNCTIONS_EMULATOR: undefined, ENFORCE_APP_CHECK: undefined };

  it.each(callables)('with nothing set in a real project, %s refuses a request without a verified App Check token', async (name) => {
    await withEnv(production, () => expect(call(name, { data: validRequests[name], auth: asUser('app-check-user') })).rejects.toMatchObject({ code: 'unauthenticated' }));
  });

  it('lets a request with a verified App Check token through, and is off in the emulator, in demo- projects, and when ENFORCE_APP_CHECK=false says so', async () => {
    const request = { data: {}, auth: asUser('app-check-user') };
    await withEnv(production, () => expect(call('getMyStreak', { ...request, app: { appId: 'app', token: {} } })).resolves.toMatchObject({ version: 0 }));
    await withEnv({ ...production, FUNCTIONS_EMULATOR: 'true' }, () => expect(call('getMyStreak', request)).resolves.toMatchObject({ version: 0 }));
    await withEnv({ ...production, GCLOUD_PROJECT: 'demo-anything' }, () => expect(call('getMyStreak', request)).resolves.toMatchObject({ version: 0 }));
    await withEnv({ ...production, ENFORCE_APP_CHECK: 'false' }, () => expect(call('getMyStreak', request)).resolves.toMatchObject({ version: 0 }));
  });
});

describe('a uid that cannot name one document is refused at every door', () => {
  const HOSTILE = ['victim/sessions/s1', 'a/b', '..', '__victim__'];

  it.each(callables)('%s refuses it as permission-denied and touches nothing', async (name) => {
    for (const uid of HOSTILE) {
      await expect(call(name, { data: validRequests[name], auth: asUser(uid) })).rejects.toMatchObject({ code: 'permission-denied', details: { reason: 'unusable_uid' } });
    }
    const rows = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select ((select count(*) from users where id like '%/%' or id in ('..', '__victim__')) + (select count(*) from rate_limits where user_id like '%/%' or user_id in ('..', '__victim__')))::int as n`);
    expect(rows).toBe(0);
  });

  it('the Auth deletion trigger deletes nothing by it: no document is addressed', async () => {
    const documents: AccountDocuments = { deleteLegacy: jest.fn(), countLegacy: jest.fn(), writeTombstone: jest.fn() } as unknown as AccountDocuments;
    setRuntime({ ...useTestRuntime(db, NOW), accountDocuments: documents });
    await handleAuthUserDeleted({ uid: 'victim/sessions/s1' });
    expect(documents.deleteLegacy).not.toHaveBeenCalled();
    expect(documents.writeTombstone).not.toHaveBeenCalled();
    expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from deleted_users where user_id = 'victim/sessions/s1'`)).toBe(0);
  });

  it('the projector drops a message whose userId would address streaks/<a>/<b>/<c>', async () => {
    const store = new InMemoryStreakStore();
    await expect(handleStreakMessage(messageEvent(streakEvent('victim/history/v1', 3)), { store: async () => store })).resolves.toEqual({ outcome: 'malformed' });
    expect(store.userIds()).toEqual([]);
  });
});

describe('one strict request parser for every callable', () => {
  it.each(callables)('%s refuses a body whose bytes carry an own __proto__ key (unknown_field), whatever its value, as JSON.parse decodes it', async (name) => {
    const fields = JSON.stringify(validRequests[name]).slice(1, -1);
    for (const value of ['{"admin":true}', '1', '{}']) {
      const wire = JSON.parse(`{"data":{"__proto__":${value}${fields ? `,${fields}` : ''}}}`);
      // The callable SDK copies the body into a fresh object, where the key sets the prototype (or nothing): as the server sees it.
      const decoded: Record<string, unknown> = {};
      for (const key of Object.keys(wire.data)) decoded[key] = wire.data[key];
      await expect(call(name, { data: decoded, rawRequest: { body: wire }, auth: asUser('proto-user') })).rejects.toMatchObject({
        code: 'invalid-argument',
        details: { issues: expect.arrayContaining([expect.objectContaining({ field: '__proto__', code: 'unknown_field' })]) },
      });
    }
  });

  it.each(callables)('%s lists at most 100 issues, and how many it left out', async (name) => {
    const data = { ...validRequests[name], ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`extra${i}`, i])) };
    const error = (await call(name, { data, auth: asUser('many-issues') }).catch((e: unknown) => e)) as { code: string; details: { issues: unknown[]; omittedIssues?: number } };
    expect(error.code).toBe('invalid-argument');
    expect(error.details.issues).toHaveLength(100);
    expect(error.details.omittedIssues).toBe(50);
  });
});

describe('a forged export cursor', () => {
  const forge = (t: string) => Buffer.from(JSON.stringify({ v: 1, t, s: 'b1' })).toString('base64url');
  it.each(['2025-02-30T08:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '2025-06-01T24:00:00.000000Z'])('with an impossible instant (%s) is invalid-argument (invalid_cursor), never internal', async (t) => {
    await expect(call('exportMyData', { data: { cursor: forge(t) }, auth: asUser('exporter') })).rejects.toMatchObject({
      code: 'invalid-argument',
      details: { issues: [expect.objectContaining({ field: 'cursor', code: 'invalid_cursor' })] },
    });
  });
});

describe('deployed with DATABASE_URL', () => {
  const withPassword = (url: string) => {
    const u = new URL(url);
    u.password = 'plain-secret';
    return u.toString();
  };
  const deployedConfig = (url: string, env: Record<string, string> = {}) => readConfig({ ...process.env, DATABASE_URL: url, ...env }).database;

  it('refuses a URL with a plain password, saying why, unless ALLOW_PASSWORD_DATABASE_URL allows it', async () => {
    await expect(openDatabase(deployedConfig(withPassword(db.url)), { deployed: true })).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/plain password.*ALLOW_PASSWORD_DATABASE_URL/) });
    if (usesEmbeddedDatabase) return console.info('safeByDefault.test.ts: connecting with an allowed password URL needs a PostgreSQL server; set DATABASE_URL to run that half');
    const allowed = await openDatabase(deployedConfig(withPassword(db.url), { ALLOW_PASSWORD_DATABASE_URL: 'true' }), { deployed: true });
    await allowed.close();
  });

  it('says in its first line which connection it uses, without the password, and that it wins over INSTANCE_CONNECTION_NAME', async () => {
    capturedLogs.start();
    const opened = await openDatabase(deployedConfig(withPassword(db.url), { ALLOW_PASSWORD_DATABASE_URL: 'true', INSTANCE_CONNECTION_NAME: 'p:r:i' }), { deployed: true }).catch((e: unknown) => e);
    const lines = capturedLogs.stop();
    if (!(opened instanceof Error)) await (opened as { close(): Promise<void> }).close();
    expect(lines[0]).toMatch(/database: connecting through DATABASE_URL/);
    expect(lines[0]).toMatch(/INSTANCE_CONNECTION_NAME p:r:i/);
    expect(lines.join('\n')).not.toContain('plain-secret');
  });
});
