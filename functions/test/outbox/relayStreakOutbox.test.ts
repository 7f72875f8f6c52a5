import { readConfig } from '../../src/config';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { logs } from '../../src/outbox/logs';
import { relayStreakOutbox } from '../../src/index';
import { relayOutboxPass } from '../../src/outbox/relayStreakOutbox';
import { setRuntime } from '../../src/runtime';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { insertOutboxRows, outboxRows } from './outboxFixtures';
import { streakEvent } from '../support/streakEvent';
import { silenceLogs } from '../support/silenceLogs';

describe('relayStreakOutbox (the scheduled trigger)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    setRuntime(undefined);
    await db.close();
  });
  beforeEach(() => silenceLogs(logs));
  afterEach(() => jest.restoreAllMocks());

  it('runs every minute', () => {
    expect(relayStreakOutbox.__endpoint.scheduleTrigger).toMatchObject({ schedule: 'every 1 minutes' });
  });

  it('relays the outbox through the instance runtime and logs a summary', async () => {
    await insertOutboxRows(db.pool, [
      { userId: 'ada', version: 1 },
      { userId: 'ada', version: 2 },
    ]);
    const publisher = new InMemoryPublisher();
    setRuntime({ config: readConfig(), db, publisher, now: Date.now });
    await expect(relayOutboxPass()).resolves.toMatchObject({ published: 1, superseded: 1 });
    expect(publisher.published).toEqual([streakEvent('ada', 2)]);
    expect(logs.relayPassCompleted).toHaveBeenCalledTimes(1);
    expect((await outboxRows(db.pool)).every((r) => r.published || r.superseded)).toBe(true);
  });
});
