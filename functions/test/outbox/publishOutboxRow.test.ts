import { createPool, sql } from 'slonik';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { createDisabledPublisher } from '../../src/outbox/disabledPublisher';
import { logs } from '../../src/outbox/logs';
import { publishOutboxRow } from '../../src/outbox/publishOutboxRow';
import type { TestDatabase } from '../support/testDatabase';
import { useOutboxDatabase, insertOutboxRows, outboxRow } from './outboxFixtures';
import { streakEvent } from '../support/streakEvent';

describe('publishOutboxRow', () => {
  let db: TestDatabase;
  useOutboxDatabase((created) => (db = created));

  it('publishes the row and marks it published after the acknowledgement', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const publisher = new InMemoryPublisher();
    await expect(publishOutboxRow(db.pool, publisher, id, 1000)).resolves.toBe('published');
    expect(publisher.published).toEqual([streakEvent('ada', 1)]);
    expect(await outboxRow(db.pool, id)).toMatchObject({ published: true, superseded: false, attempts: 1, lastError: null });
  });

  it('does nothing the second time: no second publish, no second mark', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const publisher = new InMemoryPublisher();
    await publishOutboxRow(db.pool, publisher, id, 1000);
    await expect(publishOutboxRow(db.pool, publisher, id, 1000)).resolves.toBe('published');
    expect(publisher.attempts).toHaveLength(1);
    expect((await outboxRow(db.pool, id)).attempts).toBe(1);
  });

  it('publishes once when called for the same row several times at once', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const publisher = new InMemoryPublisher({ latencyMs: () => 20 });
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => publishOutboxRow(db.pool, publisher, id, 1000)));
    expect(publisher.attempts).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'published').length).toBeGreaterThanOrEqual(1);
    expect(await outboxRow(db.pool, id)).toMatchObject({ published: true, attempts: 1 });
  });

  it('leaves the row for the relay when Pub/Sub fails, recording the attempt, the error and a backoff', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const publisher = new InMemoryPublisher().failNext(1, () => new Error('UNAVAILABLE: broker down'));
    await expect(publishOutboxRow(db.pool, publisher, id, 1000)).resolves.toBe('left-for-relay');
    const row = await outboxRow(db.pool, id);
    expect(row).toMatchObject({ published: false, superseded: false, attempts: 1 });
    expect(row.lastError).toContain('UNAVAILABLE: broker down');
    expect(row.dueInMs).toBeGreaterThan(10_000);
    expect(row.dueInMs).toBeLessThanOrEqual(15_000);
    expect(logs.rowLeftForRelay).toHaveBeenCalledTimes(1);
  });

  it('gives up after the timeout when Pub/Sub does not acknowledge, leaving the row for the relay', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    const publisher = new InMemoryPublisher().hangNext(1);
    const started = Date.now();
    await expect(publishOutboxRow(db.pool, publisher, id, 150)).resolves.toBe('left-for-relay');
    expect(Date.now() - started).toBeLessThan(2000);
    const row = await outboxRow(db.pool, id);
    expect(row).toMatchObject({ published: false, attempts: 1 });
    expect(row.lastError).toContain('did not acknowledge within 150 ms');
    publisher.releaseHung();
  });

  it('marks the row superseded, without publishing, when a newer version of the user is already published', async () => {
    const [older, newer] = await insertOutboxRows(db.pool, [
      { userId: 'ada', version: 1 },
      { userId: 'ada', version: 2 },
    ]);
    const publisher = new InMemoryPublisher();
    await publishOutboxRow(db.pool, publisher, newer, 1000);
    await expect(publishOutboxRow(db.pool, publisher, older, 1000)).resolves.toBe('published');
    expect(publisher.published.map((e) => e.version)).toEqual([2]);
    expect(await outboxRow(db.pool, older)).toMatchObject({ published: false, superseded: true, attempts: 0 });
  });

  it('keeps its hands off a row a relay has claimed', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    await db.pool.query(sql.unsafe`update streak_outbox set next_attempt_at = now() + interval '1 minute' where id = ${id}`);
    const publisher = new InMemoryPublisher();
    await expect(publishOutboxRow(db.pool, publisher, id, 1000)).resolves.toBe('left-for-relay');
    expect(publisher.attempts).toHaveLength(0);
  });

  it('touches neither Pub/Sub nor the row when publishing is switched off', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    await expect(publishOutboxRow(db.pool, createDisabledPublisher('test'), id, 1000)).resolves.toBe('left-for-relay');
    expect(await outboxRow(db.pool, id)).toMatchObject({ published: false, superseded: false, attempts: 0, lastError: null });
  });

  it('records an unpublishable payload as a failed attempt instead of publishing it', async () => {
    const [id] = await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1, payload: { userId: 'ada', version: 1 } }]);
    const publisher = new InMemoryPublisher();
    await expect(publishOutboxRow(db.pool, publisher, id, 1000)).resolves.toBe('left-for-relay');
    expect(publisher.attempts).toHaveLength(0);
    expect((await outboxRow(db.pool, id)).lastError).toMatch(/^invalid payload: /);
    expect(logs.invalidOutboxPayload).toHaveBeenCalledTimes(1);
  });

  it('does not throw when the database is gone after the commit', async () => {
    const closed = await createPool(db.url, { connectionRetryLimit: 0, connectionTimeout: 1000 });
    await closed.end();
    await expect(publishOutboxRow(closed, new InMemoryPublisher(), '1', 1000)).resolves.toBe('left-for-relay');
    expect(logs.publishOutboxRowError).toHaveBeenCalledTimes(1);
  });
});
