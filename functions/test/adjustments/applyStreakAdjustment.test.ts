import firebaseFunctionsTest from 'firebase-functions-test';
import { logs } from '../../src/adjustments/logs';
import { listAdjustments } from '../../src/db/streakAdjustments';
import { readStreak } from '../../src/db/userStreaks';
import { applyStreakAdjustment } from '../../src/index';
import { setRuntime } from '../../src/runtime';
import { useTestRuntime } from '../support/callableTestRuntime';
import { silenceLogs } from '../support/silenceLogs';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// The deployed trigger: a Pub/Sub function on ADJUSTMENTS_TOPIC that asks for retries, running the
// handler with the instance's runtime.
const testEnv = firebaseFunctionsTest({ projectId: 'demo-focus-streaks' });
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  useTestRuntime(db, '2025-03-10T12:00:00Z');
});
beforeEach(() => silenceLogs(logs));
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  setRuntime(undefined);
  testEnv.cleanup();
  await db.close();
});

const cloudEvent = (messageId: string, data: unknown) => ({
  time: new Date().toISOString(),
  data: { message: { messageId, data: Buffer.from(JSON.stringify(data)).toString('base64'), attributes: {}, publishTime: new Date().toISOString() } },
});

describe('applyStreakAdjustment (the deployed trigger)', () => {
  it('is a Pub/Sub trigger on the adjustments topic that asks for retries', () => {
    expect(applyStreakAdjustment.__endpoint.eventTrigger).toMatchObject({ eventType: 'google.cloud.pubsub.topic.v1.messagePublished', retry: true });
  });

  it('records a grant from a CloudEvent with the message id as its actor', async () => {
    const grant = { adjustmentId: 'order-1:freezes', userId: 'buyer', kind: 'grant-freezes', count: 2, effectiveFrom: '2025-03-01', reason: 'purchase order-1' };
    await expect(testEnv.wrap(applyStreakAdjustment)(cloudEvent('4711', grant))).resolves.toBeUndefined();
    expect(await listAdjustments(db.pool, 'buyer')).toEqual([expect.objectContaining({ adjustmentId: 'order-1:freezes', count: 2, actor: 'topic:4711' })]);
    // A user granted freezes before any session exists from then on, holding them.
    expect(await readStreak(db.pool, 'buyer')).toMatchObject({ currentStreak: 0, freezesAvailable: 2 });
  });

  it('acknowledges a malformed CloudEvent', async () => {
    await expect(testEnv.wrap(applyStreakAdjustment)(cloudEvent('4712', { kind: 'grant-freezes' }))).resolves.toBeUndefined();
    expect(logs.malformedMessage).toHaveBeenCalledWith('4712', 'invalid-adjustment', expect.any(Array));
  });
});
