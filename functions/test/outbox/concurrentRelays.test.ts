import { readConfig } from '../../src/config';
import type { StreakEvent } from '../../src/contract/streakEvent';
import { connect, type Database } from '../../src/db/pool';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { logs } from '../../src/outbox/logs';
import { publishOutboxRow } from '../../src/outbox/publishOutboxRow';
import { relayOutbox, type RelayOptions } from '../../src/outbox/relayOutbox';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { insertOutboxRows, makeAllDue, outboxRows } from './outboxFixtures';
import { silenceLogs } from '../support/silenceLogs';

// Row locks and SKIP LOCKED need real concurrent backends; PGlite is a single one, so this runs only with DATABASE_URL.
(usesEmbeddedDatabase ? describe.skip : describe)('two relays at once (real PostgreSQL)', () => {
  let db: TestDatabase;
  let instances: Database[];
  beforeAll(async () => {
    db = await createTestDatabase();
    const config = readConfig({ ...process.env, DB_POOL_SIZE: '4' }).database;
    // Separate pools, as two function instances would have.
    instances = await Promise.all([1, 2, 3].map((n) => connect(config, db.url, `instance ${n}`)));
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()));
    await db.close();
  });
  beforeEach(() => silenceLogs(logs));
  afterEach(() => jest.restoreAllMocks());

  const key = (e: StreakEvent) => `${e.userId}#${e.version}`;

  it('never publish a version twice and never skip a user, while writers keep adding versions', async () => {
    const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    const nextVersion = new Map(users.map((u) => [u, 1]));
    const write = async (count: number) => {
      const rows = Array.from({ length: count }, () => {
        const userId = users[Math.floor(Math.random() * users.length)];
        const version = nextVersion.get(userId)!;
        nextVersion.set(userId, version + 1);
        return { userId, version };
      });
      return insertOutboxRows(db.pool, rows);
    };
    await write(300);

    // One shared recorder: it sees every acknowledged publish of every relay. Some publishes fail.
    const publisher = new InMemoryPublisher({ latencyMs: () => Math.random() * 15 }).failNext(25);
    const options: RelayOptions = { batchSize: 7, publishTimeoutMs: 2000, backoff: { baseMs: 1, maxMs: 5 } };
    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 20; round++) {
        const ids = await write(20);
        // The write path publishes its own row at once, racing the relays.
        await Promise.all(ids.slice(0, 5).map((id) => publishOutboxRow(instances[2].pool, publisher, id, 2000)));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      writing = false;
    })();
    const relay = async (instance: Database) => {
      while (writing) await relayOutbox(instance.pool, publisher, options);
    };
    await Promise.all([writer, relay(instances[0]), relay(instances[1])]);
    // After the dust settles, whatever is left is due for one last pass.
    await makeAllDue(db.pool);
    await Promise.all([relayOutbox(instances[0].pool, publisher, options), relayOutbox(instances[1].pool, publisher, options)]);
    await makeAllDue(db.pool);
    await relayOutbox(instances[0].pool, publisher, options);

    const published = publisher.published.map(key);
    expect(published.length).toBe(new Set(published).size);

    const state = await outboxRows(db.pool);
    expect(state.filter((r) => !r.published && !r.superseded)).toEqual([]);
    expect(state.filter((r) => r.published && r.superseded)).toEqual([]);
    expect(state.filter((r) => r.published).map((r) => `${r.userId}#${r.version}`).sort()).toEqual([...published].sort());
    for (const user of users) {
      const newest = nextVersion.get(user)! - 1;
      if (newest === 0) continue;
      expect(published).toContain(`${user}#${newest}`);
    }
  });

  it('split a backlog between them without overlap', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({ userId: `backlog-${i % 200}`, version: 1 + Math.floor(i / 200) }));
    await insertOutboxRows(db.pool, rows);
    const publisher = new InMemoryPublisher({ latencyMs: () => 5 });
    const summaries = await Promise.all(instances.slice(0, 2).map((i) => relayOutbox(i.pool, publisher, { batchSize: 10 })));
    expect(summaries.reduce((sum, s) => sum + s.published, 0)).toBe(200);
    expect(summaries.every((s) => s.published > 0)).toBe(true);
    const published = publisher.publishedFor.bind(publisher);
    for (let u = 0; u < 200; u++) expect(published(`backlog-${u}`).map((e) => e.version)).toEqual([2]);
  });
});
