import { FirebaseError } from 'firebase/app';
import { buildFunctions } from '../../../scripts/lib/stack/buildFunctions';
import { createAppClient, type AppClient } from '../../../scripts/lib/stack/appClient';
import { startEmulatorStack, type EmulatorStack } from '../../../scripts/lib/stack/emulatorStack';
import { DEMO_PROJECT, freeEmulatorPorts } from '../../../scripts/lib/stack/ports';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// The app's view: the Firebase JS client SDK, signed in against the Auth emulator, calling the
// callables through the Functions emulator, which runs the built functions against a test database.
jest.setTimeout(180_000);

let db: TestDatabase;
let emulators: EmulatorStack;
let app: AppClient;

beforeAll(async () => {
  buildFunctions();
  db = await createTestDatabase();
  // Auth and Functions only, on ports nobody else holds: the default suite needs no Java.
  const ports = await freeEmulatorPorts();
  const mode = { kind: 'none', reason: 'the default suite runs Auth and Functions only' } as const;
  emulators = await startEmulatorStack({ mode, ports, databaseUrl: db.url, params: { PUBLISH_TIMEOUT_MS: '200' } });
  app = createAppClient({ projectId: DEMO_PROJECT, authPort: ports.auth, functionsPort: ports.functions });
});

afterAll(async () => {
  await app?.close();
  await emulators?.stop();
  await db?.close();
});

const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (e: FirebaseError & { details?: unknown }) => e);
const nyc = (id: string, start: string, end: string) => ({ sessionId: id, startTime: start, endTime: end, timezone: 'America/New_York' });

describe('callables through the Functions emulator', () => {
  it('refuses a caller who is not signed in', async () => {
    await app.signOut();
    const error = await errorOf(app.acceptFocusSession(nyc('anon-1', '2025-06-02T09:00:00-04:00', '2025-06-02T09:45:00-04:00')));
    expect(error?.code).toBe('functions/unauthenticated');
  });

  it('starts, extends and rejoins a streak as sessions arrive, late ones included', async () => {
    const uid = await app.signIn('ada@example.com');
    const first = await app.acceptFocusSession(nyc('ada-mon', '2025-06-02T09:00:00-04:00', '2025-06-02T09:45:00-04:00'));
    expect(first).toEqual({
      accepted: true,
      streak: {
        userId: uid, currentStreak: 1, longestStreak: 1, lastQualifiedDate: '2025-06-02', qualifiedDaysCount: 1,
        timezone: 'America/New_York', streakExpiresAt: '2025-06-04T04:00:00.000Z', version: 1,
      },
    });
    const tue = await app.acceptFocusSession(nyc('ada-tue', '2025-06-03T20:00:00-04:00', '2025-06-03T20:30:00-04:00'));
    expect(tue.streak).toMatchObject({ currentStreak: 2, longestStreak: 2, version: 2 });
    const thu = await app.acceptFocusSession(nyc('ada-thu', '2025-06-05T07:00:00-04:00', '2025-06-05T08:00:00-04:00'));
    expect(thu.streak).toMatchObject({ currentStreak: 1, longestStreak: 2, qualifiedDaysCount: 3 });
    // Wednesday arrives late (an offline phone) and joins the two runs.
    const wed = await app.acceptFocusSession(nyc('ada-wed', '2025-06-04T23:00:00-04:00', '2025-06-04T23:59:59-04:00'));
    expect(wed.streak).toMatchObject({ currentStreak: 4, longestStreak: 4, lastQualifiedDate: '2025-06-05', qualifiedDaysCount: 4 });
    const mine = await app.getMyStreak();
    expect(mine).toEqual({ ...wed.streak, active: false, freezesAvailable: 0, frozenDates: [], dayStartMinutes: 0 });
  });

  it('splits a session across the autumn DST change into its local days', async () => {
    await app.signIn('grace@example.com');
    // 2025-11-02 has 25 hours in New York; 22:00 EDT to 20:00 EST is 23 real hours.
    const result = await app.acceptFocusSession(nyc('grace-long', '2025-11-01T22:00:00-04:00', '2025-11-02T20:00:00-05:00'));
    expect(result.streak).toMatchObject({ currentStreak: 2, lastQualifiedDate: '2025-11-02', streakExpiresAt: '2025-11-04T05:00:00.000Z' });
  });

  it('answers a retried session with accepted false and a changed one with already-exists', async () => {
    await app.signIn('linus@example.com');
    const session = nyc('linus-1', '2025-06-02T09:00:00-04:00', '2025-06-02T09:40:00-04:00');
    const first = await app.acceptFocusSession(session);
    const retry = await app.acceptFocusSession(session);
    expect(retry).toEqual({ accepted: false, streak: first.streak });
    const conflict = await errorOf(app.acceptFocusSession({ ...session, endTime: '2025-06-02T09:41:00-04:00' }));
    expect(conflict?.code).toBe('functions/already-exists');
  });

  it('answers invalid-argument with every bad field in details', async () => {
    await app.signIn('mallory@example.com');
    const error = await errorOf(app.acceptFocusSession({ sessionId: 'bad id', startTime: '2025-06-02T10:00:00Z', endTime: '2025-06-02T09:00:00Z', timezone: 'Mars/Base', userId: 'ada' }));
    expect(error?.code).toBe('functions/invalid-argument');
    const fields = (error?.details as { issues: Array<{ field: string; code: string }> }).issues.map((i) => `${i.field}:${i.code}`).sort();
    expect(fields).toEqual(['endTime:end_not_after_start', 'sessionId:invalid_format', 'timezone:invalid_timezone', 'userId:unknown_field']);
    expect(await app.getMyStreak()).toMatchObject({ version: 0, currentStreak: 0 });
  });
});
