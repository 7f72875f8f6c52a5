import { sql } from 'slonik';
import { claimBatch } from '../../src/db/streakOutbox';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { relayOutbox } from '../../src/outbox/relayOutbox';
import { usesEmbeddedDatabase, type TestDatabase } from '../support/testDatabase';
import { streakEvent } from '../support/streakEvent';
import { insertOutboxRows, outboxRows, useOutboxDatabase } from './outboxFixtures';

const HOT_VERSIONS = 50_000;

// Tens of thousands of rows and statement timeouts are about real PostgreSQL; PGlite is not measured here.
(usesEmbeddedDatabase ? describe.skip : describe)(`one user with ${HOT_VERSIONS.toLocaleString('en')} pending versions (real PostgreSQL)`, () => {
  jest.setTimeout(120_000);
  let db: TestDatabase;
  useOutboxDatabase((created) => (db = created));

  async function timedClaim(label: string) {
    const started = process.hrtime.bigint();
    const rows = await claimBatch(db.pool, 100, 60_000);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`${label}: claimBatch took ${ms.toFixed(1)} ms and claimed ${rows.length} rows`);
    // Give the rows back, as an expired lease would, for the relay pass that follows.
    await db.pool.query(sql.unsafe`update streak_outbox set next_attempt_at = now() - interval '1 millisecond' where published_at is null and superseded_at is null`);
    return rows;
  }

  it('keeps one pending row when the versions are written one statement each, as every writer does', async () => {
    const template = JSON.stringify(streakEvent('hot', 1));
    await db.pool.query(sql.unsafe`insert into users (id) values ('hot'), ('innocent')`);
    // Each version its own transaction, as accepts and rebuilds commit them (one connection, no statement timeout).
    await db.pool.connect(async (connection) => {
      await connection.query(sql.unsafe`set statement_timeout = 0`);
      // What the supersede trigger sees is each commit, not its flush to disk: waiting for 50,000 WAL
      // flushes took this spec 80 s on a quiet machine and past its bound on a busy one.
      await connection.query(sql.unsafe`set synchronous_commit = off`);
      await connection.query(sql.unsafe`
        do $$
        begin
          for v in 1..${sql.literalValue(String(HOT_VERSIONS))} loop
            insert into streak_outbox (user_id, version, payload)
            values ('hot', v, jsonb_set(${sql.literalValue(template)}::jsonb, '{version}', to_jsonb(v)));
            commit;
          end loop;
        end $$`);
      await connection.query(sql.unsafe`reset statement_timeout`);
      await connection.query(sql.unsafe`reset synchronous_commit`);
    });
    await insertOutboxRows(db.pool, [{ userId: 'innocent', version: 1 }]);
    const pending = await db.pool.oneFirst(sql.unsafe`
      select count(*)::int from streak_outbox where user_id = 'hot' and published_at is null and superseded_at is null`);
    expect(pending).toBe(1);

    const claimed = await timedClaim('written one by one');
    expect(claimed.map((r) => [r.userId, r.version])).toEqual([
      ['hot', HOT_VERSIONS],
      ['innocent', 1],
    ]);

    const publisher = new InMemoryPublisher();
    const summary = await relayOutbox(db.pool, publisher, { publishTimeoutMs: 1000 });
    expect(summary).toMatchObject({ batches: 1, published: 2, failed: 0 });
    expect(publisher.publishedFor('innocent')).toEqual([streakEvent('innocent', 1)]);
    expect(publisher.publishedFor('hot').map((e) => e.version)).toEqual([HOT_VERSIONS]);
  });

  it('claims a backlog already in the table promptly and publishes the innocent user in the same pass', async () => {
    // One statement: the trigger leaves rows of one insert alone, so all of them stay pending.
    await insertOutboxRows(db.pool, Array.from({ length: HOT_VERSIONS }, (_, i) => ({ userId: 'hot', version: i + 1 })));
    await insertOutboxRows(db.pool, [{ userId: 'innocent', version: 1 }]);

    const claimed = await timedClaim('one bulk backlog');
    expect(claimed).toHaveLength(HOT_VERSIONS);
    expect(claimed.filter((r) => r.payload !== null).map((r) => r.version)).toEqual([HOT_VERSIONS]);

    const publisher = new InMemoryPublisher();
    const started = Date.now();
    const summary = await relayOutbox(db.pool, publisher, { publishTimeoutMs: 1000 });
    console.log(`one bulk backlog: relay pass took ${Date.now() - started} ms (${JSON.stringify(summary)})`);
    expect(summary).toMatchObject({ batches: 2, claimed: HOT_VERSIONS + 1, published: 2, superseded: HOT_VERSIONS - 1, failed: 0 });
    expect(publisher.publishedFor('innocent')).toEqual([streakEvent('innocent', 1)]);
    expect(publisher.publishedFor('hot')).toEqual([streakEvent('hot', HOT_VERSIONS)]);
    const state = await outboxRows(db.pool);
    expect(state.filter((r) => !r.published && !r.superseded)).toEqual([]);
  });

  it('supersedes only older pending rows of the same user when a newer one is written', async () => {
    const [bobOld] = await insertOutboxRows(db.pool, [{ userId: 'bob', version: 1 }]);
    await insertOutboxRows(db.pool, [{ userId: 'ada', version: 1 }]);
    await insertOutboxRows(db.pool, [{ userId: 'ada', version: 2 }]);
    const state = await outboxRows(db.pool);
    expect(state.map((r) => [r.userId, r.version, r.superseded])).toEqual([
      ['ada', 1, true],
      ['ada', 2, false],
      ['bob', 1, false],
    ]);
    expect(state.find((r) => r.id === bobOld)).toMatchObject({ published: false, superseded: false });
  });
});
