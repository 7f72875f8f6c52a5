import fc from 'fast-check';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { createRun, loadRun } from '../../functions/src/db/backfillRuns';
import { storeSource } from '../lib/backfill/firestoreSource';
import { inRange, keyRanges } from '../lib/backfill/keyRanges';
import { memoryStore } from './support/memoryStore';
import { runBackfill, type BackfillSettings } from '../lib/backfill/runBackfill';
import { emptyTables, migrationState } from './support/snapshot';
import { messyExportDocuments } from './support/messyExportDocuments';

// The fixture's readable documents, as Firestore would hold them.
const { documents, users } = messyExportDocuments();

const settings: BackfillSettings = {
  kind: 'sessions', collection: 'sessions', batchSize: 2, dryRun: false, project: true,
  qualifySeconds: 1800, maxSessionHours: 24, rebuildChunkSize: 2,
};

describe('key ranges for --shard and --partitions', () => {
  it('cover every document id exactly once, whatever the ids', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 22 }), { maxLength: 50 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }), (ids, shards, partitions) => {
        const ranges = Array.from({ length: shards }, (_, i) => keyRanges(i, shards, partitions)).flat();
        for (const id of ids) expect(ranges.filter((r) => inRange(id, r))).toHaveLength(1);
      }),
    );
  });
});

describe('backfill from Firestore (in-memory LegacyStore)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  async function start(id: string) {
    await emptyTables(db.pool);
    await createRun(db.pool, { id, kind: 'sessions', source: 'memory', options: {} });
    return (await loadRun(db.pool, id))!;
  }

  const source = (group: boolean, partitions: number) => {
    const store = memoryStore(documents, group ? { group: 'sessions', users } : { collection: 'sessions', users });
    const ranges = keyRanges(0, 1, partitions, group ? 'users/' : '');
    return { store, source: storeSource(store, { ranges, fingerprint: {} }) };
  };

  it('reads a collection in parallel partitions with keyset paging, zones from users docs', async () => {
    const run = await start('fs-1');
    const { store, source: s } = source(false, 3);
    const result = await runBackfill({ pool: db.pool, source: s, settings, run });
    // 21 top-level session documents (a repeated path is one document here; a bare-id line has no place).
    expect(result.counts).toMatchObject({ read: 21, inserted: 11, duplicates: 0 });
    expect(result.counts.rejectsByReason).toEqual({ invalid_session_id: 1, missing_user: 1, invalid_user: 1, invalid_time: 1, implausible_time: 2, end_not_after_start: 1, too_long: 1, invalid_timezone: 1, missing_timezone: 1 });
    expect(store.reads).toBe(21); // never a document twice: no offsets
    const zones = await db.pool.any(sql.unsafe`select id, timezone from users order by id`);
    expect(zones).toEqual(expect.arrayContaining([{ id: 'carol', timezone: 'Asia/Kathmandu' }]));
  });

  it('reads a collection group, taking the user from the path', async () => {
    const run = await start('fs-group');
    const result = await runBackfill({ pool: db.pool, source: source(true, 2).source, settings, run });
    // A collection group holds the top-level sessions collection too, as in Firestore.
    expect(result.counts).toMatchObject({ read: 24, inserted: 13 });
    expect(result.counts.rejectsByReason.user_mismatch).toBe(1);
    expect(await db.pool.oneFirst(sql.type(z.object({ u: z.string() }))`select user_id as u from focus_sessions where session_id = 'd1'`)).toBe('dave');
  });

  it('resumes from the saved cursor to the same state as an uninterrupted run', async () => {
    await runBackfill({ pool: db.pool, source: source(false, 3).source, settings, run: await start('straight') });
    const expected = { ...((await migrationState(db.pool)) as object), rejects: undefined };

    const run = await start('crashy');
    const boom = new Error('lost the VM');
    await expect(
      runBackfill({ pool: db.pool, source: source(false, 3).source, settings, run, checkpoints: { at: (p, n) => { if (p === 'between' && n === 4) throw boom; } } }),
    ).rejects.toBe(boom);
    const saved = (await loadRun(db.pool, 'crashy'))!;
    expect(saved.counts.read).toBeGreaterThan(0);
    const { store, source: again } = source(false, 3);
    await runBackfill({ pool: db.pool, source: again, settings, run: { id: saved.id, cursor: saved.cursor, counts: saved.counts } });
    expect(store.reads).toBe(21 - saved.counts.read); // continues where each partition stopped
    expect({ ...((await migrationState(db.pool)) as object), rejects: undefined }).toEqual(expected);
    expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from backfill_rejects where run_id = 'crashy'`)).toBe(10);
  });

  it('reads only documents at or after --since in catch-up runs', async () => {
    const run = await start('since');
    const store = memoryStore(documents, { collection: 'sessions', users });
    const s = storeSource(store, { ranges: [{ from: null, to: null }], since: { field: 'endTime', from: { seconds: Date.parse('2024-03-01T00:00:00Z') / 1000, nanoseconds: 0 } }, fingerprint: {} });
    const result = await runBackfill({ pool: db.pool, source: s, settings: { ...settings, since: { field: 'endTime', fromMs: Date.parse('2024-03-01T00:00:00Z') } }, run });
    // b1 (missing zone), b2, c1, c2, and x8 (year 2999)
    expect(result.counts).toMatchObject({ read: 5, inserted: 3, rejected: 2 });
  });
});
