import functionsTest from 'firebase-functions-test';
import { sql } from 'slonik';
import { logs as callableLogs } from '../../src/callables/logs';
import { readConfig } from '../../src/config';
import { DatabaseUnavailableError } from '../../src/db/errors';
import { connect, type Database } from '../../src/db/pool';
import { acceptFocusSession } from '../../src/index';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { logs as outboxLogs } from '../../src/outbox/logs';
import { setRuntime } from '../../src/runtime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';

const ACQUIRE_TIMEOUT_MS = 400;
const fft = functionsTest({ projectId: 'demo-focus-streaks' });
const accept = fft.wrap(acceptFocusSession);
const auth = { uid: 'u1', token: { uid: 'u1' } as never };
const session = { sessionId: 's1', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z', timezone: 'UTC' };

// A held connection needs a second backend to matter; PGlite is one, so this runs only with DATABASE_URL.
(usesEmbeddedDatabase ? describe.skip : describe)('waiting for a pooled connection (real PostgreSQL)', () => {
  const config = readConfig({ ...process.env, DB_POOL_SIZE: '1', DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS) });
  let scratch: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    scratch = await createTestDatabase();
    db = await connect(config.database, scratch.url, 'pool of 1');
  });
  beforeEach(() => {
    silenceLogs(callableLogs);
    silenceLogs(outboxLogs);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    setRuntime(undefined);
    fft.cleanup();
    await db.close();
    await scratch.close();
  });

  /** Holds the only connection in an open transaction until the returned function is called. */
  async function holdTheOnlyConnection(): Promise<() => Promise<void>> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inside = new Promise<void>((resolve) => (started = resolve));
    const holder = db.pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`select 1`);
      started();
      await held;
    });
    await inside;
    return async () => {
      release();
      await holder;
    };
  }

  it('fails with DatabaseUnavailableError after the acquire timeout, not at the function timeout', async () => {
    const release = await holdTheOnlyConnection();
    const started = Date.now();
    const error = await db.pool.oneFirst(sql.unsafe`select 1`).catch((e: unknown) => e);
    const waited = Date.now() - started;
    await release();
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(waited).toBeGreaterThanOrEqual(ACQUIRE_TIMEOUT_MS - 50);
    expect(waited).toBeLessThan(5_000);
    // The caller that gave up never reached the database, and the pool serves again.
    await expect(db.pool.oneFirst(sql.unsafe`select 1`)).resolves.toBe(1);
  });

  it('serves a waiter whose connection frees up within the bound', async () => {
    const release = await holdTheOnlyConnection();
    const waiter = db.pool.oneFirst(sql.unsafe`select 2`);
    await new Promise((resolve) => setTimeout(resolve, ACQUIRE_TIMEOUT_MS / 4));
    await release();
    await expect(waiter).resolves.toBe(2);
  });

  it('makes the callable answer unavailable while every connection is busy', async () => {
    setRuntime({ config, db, publisher: new InMemoryPublisher(), now: () => Date.parse('2025-03-10T00:00:00Z') });
    const release = await holdTheOnlyConnection();
    const started = Date.now();
    const error = await accept({ data: session, auth } as never).catch((e: unknown) => e);
    const waited = Date.now() - started;
    await release();
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(waited).toBeLessThan(5_000);
    await expect(accept({ data: session, auth } as never)).resolves.toMatchObject({ accepted: true });
  });
});
