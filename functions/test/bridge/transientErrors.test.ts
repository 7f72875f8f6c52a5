import { ConfigError, readConfig } from '../../src/config';
import { DatabaseUnavailableError } from '../../src/db/errors';
import { isTransient } from '../../src/bridge/isTransient';
import { handleLegacySession, type BridgeDependencies, type LegacySessionEvent } from '../../src/bridge/handleLegacySession';
import { logs } from '../../src/bridge/logs';
import type { Runtime } from '../../src/runtime';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';

const NOW = Date.parse('2025-03-10T12:00:00Z');
const grpcError = (code: number, message: string) => Object.assign(new Error(`${code} ${message}`), { code, details: message });

describe('isTransient (bridge retries)', () => {
  it.each([
    [4, 'DEADLINE_EXCEEDED'],
    [8, 'RESOURCE_EXHAUSTED'],
    [10, 'ABORTED'],
    [14, 'UNAVAILABLE'],
  ])('retries a Firestore error with gRPC code %i (%s)', (code, name) => {
    expect(isTransient(grpcError(code, name))).toBe(true);
    expect(isTransient(new Error('wrapped', { cause: grpcError(code, name) }))).toBe(true);
  });

  it.each([
    [3, 'INVALID_ARGUMENT'],
    [5, 'NOT_FOUND'],
    [7, 'PERMISSION_DENIED'],
  ])('does not retry gRPC code %i (%s): retrying cannot fix it', (code, name) => {
    expect(isTransient(grpcError(code, name))).toBe(false);
  });

  it('retries an unreachable database and a missing configuration, not a bug', () => {
    expect(isTransient(new DatabaseUnavailableError('down'))).toBe(true);
    expect(isTransient(new ConfigError(['no database configured']))).toBe(true);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('handleLegacySession on transient failures', () => {
  const doc = { userId: 'ann', startTime: '2025-03-09T09:00:00Z', endTime: '2025-03-09T09:45:00Z' };
  const event = (time = new Date(NOW).toISOString()): LegacySessionEvent => ({
    params: { sessionId: 's1' },
    data: { data: () => doc, ref: { path: 'sessions/s1' } },
    time,
  });
  // No database is needed: each failure happens before the write path.
  const runtime = { config: readConfig({}), db: {} as Runtime['db'], publisher: new InMemoryPublisher(), now: () => NOW } as Runtime;
  const deps = (overrides: Partial<BridgeDependencies>): BridgeDependencies => ({
    runtime: async () => runtime,
    legacyUserTimeZone: async () => null,
    ...overrides,
  });

  beforeEach(() => {
    for (const name of Object.keys(logs) as Array<keyof typeof logs>) jest.spyOn(logs, name).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('throws, so the event is retried, when the deployment has no database configured', async () => {
    const missing = new ConfigError(['no database configured: set INSTANCE_CONNECTION_NAME (or DATABASE_URL) for deployed functions']);
    // Without a runtime the event's age is judged by the wall clock.
    await expect(handleLegacySession(event(new Date().toISOString()), deps({ runtime: () => Promise.reject(missing) }))).rejects.toBe(missing);
    expect(logs.retrying).toHaveBeenCalledWith(expect.objectContaining({ path: 'sessions/s1' }));
    expect(logs.dropped).not.toHaveBeenCalled();
  });

  it('throws when reading the legacy user zone from Firestore fails with UNAVAILABLE (14)', async () => {
    const unavailable = grpcError(14, 'UNAVAILABLE: No connection established');
    await expect(handleLegacySession(event(), deps({ legacyUserTimeZone: () => Promise.reject(unavailable) }))).rejects.toBe(unavailable);
    expect(logs.retrying).toHaveBeenCalled();
  });

  it('drops the event when the failure is not transient, or the event is a day old', async () => {
    await expect(handleLegacySession(event(), deps({ legacyUserTimeZone: () => Promise.reject(grpcError(7, 'PERMISSION_DENIED')) }))).resolves.toEqual({ status: 'dropped' });
    const old = event(new Date(NOW - 25 * 3_600_000).toISOString());
    await expect(handleLegacySession(old, deps({ legacyUserTimeZone: () => Promise.reject(grpcError(14, 'UNAVAILABLE')) }))).resolves.toEqual({ status: 'dropped' });
    expect(logs.dropped).toHaveBeenCalledTimes(2);
  });
});
