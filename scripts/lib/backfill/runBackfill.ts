import { sql, type DatabasePool } from 'slonik';
import { countRunUsers, markUsersRebuilt, recordRunUsers, usersToRebuild } from '../../../functions/src/db/backfillRunUsers';
import { storeRejects } from '../../../functions/src/db/backfillRejects';
import { timeZoneSpeller } from '../../../functions/src/db/timeZones';
import { emptyCounts, finishRun, saveCounts, saveProgress, type BackfillCounts } from '../../../functions/src/db/backfillRuns';
import { rebuildStreaksReporting } from '../../../functions/src/db/streakRebuild';
import { legacyTimeZones } from '../../../functions/src/db/users';
import { isMirroredSession, legacyInstant, misplacedLine, type ExportDocument, type LegacySession, type LegacyUser, type Reject } from '../../../functions/src/legacy';
import { prepareFriendships, writeFriendshipBatch } from '../../../functions/src/ingest/friendshipBatch';
import type { PreparedBatch } from '../../../functions/src/ingest/preparedBatch';
import { prepareLegacySessions } from '../../../functions/src/ingest/prepareLegacySessions';
import { classifySessionBatch, insertSessionBatch } from '../../../functions/src/ingest/sessionBatch';
import { prepareLegacyUsers, writeLegacyUserBatch } from '../../../functions/src/ingest/userBatch';
import type { Progress } from '../cli/progress';
import type { LegacySource, SourceItem } from './legacySource';
import type { RejectsFile } from './rejectsFile';
import { claimGroupRebuild } from './claimGroupRebuild';
import type { BackfillPlan } from './storedRunOptions';

/**
 * Points of the loop a test can observe (to kill the process there, say): `inside` a batch's
 * transaction before commit, `between` batches right after a commit, after a `rebuild` chunk.
 */
export type Checkpoint = 'inside' | 'between' | 'rebuild';
export interface Checkpoints {
  at(point: Checkpoint, n: number): void;
}

/**
 * How runBackfill works: the run's plan (what it reads and how; `since` and `defaultTimeZone` may be
 * left out), plus whether it writes and the domain's limits from the configuration.
 */
export type BackfillSettings = Pick<BackfillPlan, 'kind' | 'collection' | 'batchSize' | 'project' | 'rebuildChunkSize'> &
  Partial<Pick<BackfillPlan, 'since' | 'defaultTimeZone'>> & {
    dryRun: boolean;
    qualifySeconds: number;
    freezeCap?: number;
    maxSessionHours: number;
  };

export interface BackfillInput {
  pool: DatabasePool;
  source: LegacySource;
  settings: BackfillSettings;
  /**
   * The run row to write to (new or resumed); null for a dry run, which writes nothing. A run of a
   * group (a Cloud Run Jobs task) leaves the rebuild to the group's last task.
   */
  run: { id: string; cursor: unknown; counts: BackfillCounts; group?: string | null } | null;
  rejectsFile?: RejectsFile;
  progress?: Progress;
  checkpoints?: Checkpoints;
  /** Asked after every committed batch and rebuild chunk: true stops the run there (Ctrl-C, SIGTERM). */
  stopRequested?: () => boolean;
  now?: () => number;
  log?: (line: string) => void;
}

export interface BackfillResult {
  runId: string | null;
  counts: BackfillCounts;
  /** Users with at least one newly inserted session (dry run: would be). */
  usersAffected: number;
  /** Stopped on request at a batch boundary; everything committed so far is kept, --resume continues. */
  interrupted: boolean;
}

/** A prepared batch, with the documents of the source that were not this run's to read. */
type Prepared<T> = PreparedBatch<T> & { skipped: number };

/**
 * The backfill loop: each batch is parsed, written with one bulk insert, and its rejects, affected
 * users, cursor and counts are saved in the same transaction, so a crash anywhere resumes exactly.
 * After the source is exhausted the affected users are rebuilt in SQL, chunk by chunk, resumably.
 */
export async function runBackfill(input: BackfillInput): Promise<BackfillResult> {
  const { pool, source, settings, run } = input;
  const now = input.now ?? Date.now;
  const crash = input.checkpoints ?? { at: () => {} };
  const stop = input.stopRequested ?? (() => false);
  let interrupted = false;
  let counts: BackfillCounts = run ? structuredClone(run.counts) : emptyCounts();
  const dryUsers = new Set<string>();
  // Users already in backfill_run_users for this run, and users whose rows a committed batch created:
  // skips most of those inserts; bounded, so memory stays flat.
  const recorded = new Set<string>();
  const created = new Set<string>();
  let afterCommit = () => {};
  type Tx = Parameters<Parameters<DatabasePool['transaction']>[0]>[0];
  // A real run writes each batch in one transaction; a dry run only reads, on a plain connection.
  const commitBatch = (write: (tx: Tx) => Promise<void>) =>
    run
      ? pool.transaction(async (tx) => {
          await relaxCommit(tx);
          await write(tx);
        })
      : pool.connect((c) => write(c as never));
  /**
   * Every kind ends its batch alike, in the batch's transaction: tally the rejects, then (a real run)
   * store them, the kind's own run records, and the progress; what it remembers waits for the commit.
   */
  interface KindWrite {
    dryRun?: () => void;
    record?: (tx: Tx, runId: string) => Promise<void>;
    afterCommit?: () => void;
  }
  const writeBatch = async (next: BackfillCounts, rejects: Reject[], cursor: unknown, kindWrite: (tx: Tx) => Promise<KindWrite>) => {
    await commitBatch(async (tx) => {
      const written = await kindWrite(tx);
      tally(next, rejects);
      if (!run) {
        written.dryRun?.();
        return;
      }
      await storeRejects(tx, run.id, rejects);
      await written.record?.(tx, run.id);
      await saveProgress(tx, run.id, cursor, next);
      afterCommit = written.afterCommit ?? (() => {});
    });
    afterCommit();
    afterCommit = () => {};
  };

  if (!counts.sourceDone) {
    let batchNumber = 0;
    // Reading and parsing batch N+1 overlaps with writing batch N: Node and PostgreSQL work at once.
    const batches = readAhead(source.batches(run?.cursor ?? null, settings.batchSize), async (batch) => {
      const nowMs = now();
      if (settings.kind === 'friendships') return { batch, sessions: null, users: null, friendships: await prepareFriendshipDocs(pool, source, batch.items, settings.collection) };
      return settings.kind === 'sessions'
        ? { batch, sessions: await prepareSessions(pool, source, batch.items, settings, nowMs), users: null, friendships: null }
        : { batch, sessions: null, users: await prepareUsers(pool, batch.items), friendships: null };
    });
    for await (const { batch, sessions, users: usersPrepared, friendships } of batches) {
      batchNumber += 1;
      const next = structuredClone(counts);
      next.read += batch.items.length;
      let rejects: Reject[];
      if (sessions) {
        const prepared = sessions;
        rejects = prepared.rejects;
        next.skipped += prepared.skipped;
        next.duplicates += prepared.duplicates;
        await writeBatch(next, rejects, batch.cursor, async (tx) => {
          const outcome = run ? await insertSessionBatch(tx, prepared.records, created) : { ...(await classifySessionBatch(tx, prepared.records)), users: [] };
          crash.at('inside', batchNumber);
          // A deleted user's document is not kept as evidence: their data is gone, the reason and path remain.
          rejects.push(...outcome.conflicts.map((c) => ({ ...c, raw: c.reason === 'deleted_user' ? null : (prepared.raw.get(c.path) ?? c.raw) })));
          next.inserted += outcome.inserted.length;
          next.duplicates += outcome.duplicates;
          const users = [...new Set(outcome.inserted.map((s) => s.userId))].filter((u) => !recorded.has(u));
          return {
            dryRun: () => {
              for (const s of outcome.inserted) dryUsers.add(s.userId);
            },
            record: (tx, runId) => recordRunUsers(tx, runId, users),
            afterCommit: () => {
              remember(recorded, users);
              remember(created, outcome.users);
            },
          };
        });
      } else if (friendships) {
        const prepared = friendships;
        rejects = prepared.rejects;
        next.skipped += prepared.skipped;
        await writeBatch(next, rejects, batch.cursor, async (tx) => {
          const outcome = await writeFriendshipBatch(tx, prepared, { dryRun: !run });
          crash.at('inside', batchNumber);
          // Per listing: inserted = pending requests stored, updated = listings that made friends, duplicates = already so,
          // skipped = pairs a user took apart since (never restored).
          next.inserted += outcome.requested;
          next.updated += outcome.befriended;
          next.duplicates += outcome.unchanged;
          next.skipped += outcome.removed;
          return {};
        });
      } else {
        const prepared = usersPrepared as Prepared<LegacyUser>;
        rejects = prepared.rejects;
        next.skipped += prepared.skipped;
        next.duplicates += prepared.duplicates;
        await writeBatch(next, rejects, batch.cursor, async (tx) => {
          const outcome = await writeLegacyUserBatch(tx, prepared.records, { dryRun: !run });
          crash.at('inside', batchNumber);
          rejects.push(...outcome.rejects);
          next.inserted += outcome.inserted;
          next.updated += outcome.updated;
          next.duplicates += outcome.unchanged;
          return {};
        });
      }
      counts = next;
      // After the commit: the table is the record; the file is a convenience copy.
      await input.rejectsFile?.write(rejects);
      input.progress?.update(counts.read, batch.position);
      crash.at('between', batchNumber);
      if (stop()) {
        interrupted = true;
        break;
      }
    }
    if (!interrupted) {
      counts = { ...counts, sourceDone: true };
      if (run) await saveCounts(pool, run.id, counts);
    }
  }
  input.progress?.finish();

  if (run && settings.kind === 'sessions' && !interrupted) {
    const claim = run.group ? await claimGroupRebuild(pool, run.group, run.id) : { rebuilds: true, runIds: [run.id] };
    if (claim.rebuilds) {
      if (run.group) input.log?.(`group ${run.group}: every task has read its source; this task rebuilds the users of all ${claim.runIds.length}`);
      const rebuilt = await rebuildAffected(pool, run.id, claim.runIds, counts, settings, crash, stop, input.log);
      counts = rebuilt.counts;
      interrupted = rebuilt.interrupted;
    } else if ('waiting' in claim) {
      input.log?.(`group ${run.group}: ${claim.waiting}; the streak rebuild is left to ${claim.rebuilder ?? "the group's last task to finish reading"}`);
    }
  }
  if (run && !interrupted) await finishRun(pool, run.id, 'completed', counts);

  const usersAffected = run ? (await countRunUsers(pool, [run.id])).users : dryUsers.size;
  return { runId: run?.id ?? null, counts, usersAffected, interrupted };
}

/** Yields prepare(item) for each item, preparing the next one while the caller works on the current. */
async function* readAhead<T, U>(items: AsyncIterable<T>, prepare: (item: T) => Promise<U>): AsyncGenerator<U> {
  const iterator = items[Symbol.asyncIterator]();
  const step = async (): Promise<U | null> => {
    const r = await iterator.next();
    return r.done ? null : prepare(r.value);
  };
  let upcoming = step();
  try {
    for (;;) {
      const current = await upcoming;
      if (current === null) return;
      upcoming = step();
      // Its failure surfaces when awaited on the next turn; until then it must not count as unhandled.
      upcoming.catch(() => {});
      yield current;
    }
  } finally {
    await upcoming.catch(() => null);
    await iterator.return?.();
  }
}

const REMEMBERED_USERS = 200_000;
function remember(set: Set<string>, users: readonly string[]): void {
  if (set.size + users.length > REMEMBERED_USERS) set.clear();
  for (const u of users) set.add(u);
}

/**
 * Batch commits need not wait for the WAL flush: a database crash loses only whole trailing batches
 * together with their cursor, and the resumed run reads them again. Saves a disk flush per batch.
 * The batch holds the deletion gate (account_deletion_gate) shared: a deletion never commits inside it, so its
 * tombstone checks and its writes see the same deletions.
 */
async function relaxCommit(tx: Parameters<Parameters<DatabasePool['transaction']>[0]>[0]): Promise<void> {
  await tx.query(sql.unsafe`select set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock_shared(account_deletion_gate())`);
}

function tally(counts: BackfillCounts, rejects: readonly Reject[]): void {
  counts.rejected += rejects.length;
  for (const r of rejects) counts.rejectsByReason[r.reason] = (counts.rejectsByReason[r.reason] ?? 0) + 1;
}

/**
 * Rebuilds the affected users of `runIds` (the run, or every task of its group) not rebuilt yet; each
 * chunk commits with its bookkeeping in the counts of `runId`.
 */
async function rebuildAffected(
  pool: DatabasePool,
  runId: string,
  runIds: readonly string[],
  start: BackfillCounts,
  settings: BackfillSettings,
  crash: Checkpoints,
  stop: () => boolean,
  log?: (line: string) => void,
): Promise<{ counts: BackfillCounts; interrupted: boolean }> {
  let counts = start;
  for (let chunk = 1; ; chunk++) {
    const ids = await usersToRebuild(pool, runIds, settings.rebuildChunkSize);
    if (ids.length === 0) return { counts, interrupted: false };
    const started = Date.now();
    counts = await pool.transaction(async (tx) => {
      const { changed, problems } = await rebuildStreaksReporting(tx, ids, { qualifySeconds: settings.qualifySeconds, freezeCap: settings.freezeCap, project: settings.project });
      // A user whose rows cannot be rebuilt is named and left as it was; the others of the chunk go on.
      for (const p of problems) log?.(`user ${p.userId} not rebuilt: ${p.problem}`);
      await markUsersRebuilt(tx, runIds, ids);
      const next = { ...counts, usersRebuilt: counts.usersRebuilt + ids.length, usersChanged: counts.usersChanged + changed.length };
      await saveCounts(tx, runId, next);
      return next;
    });
    log?.(`rebuilt ${ids.length} users (${counts.usersRebuilt} so far) in ${Date.now() - started} ms`);
    crash.at('rebuild', chunk);
    if (stop()) return { counts, interrupted: true };
  }
}

function targetDocs(items: readonly SourceItem[], kind: 'sessions' | 'users', accept: (doc: ExportDocument) => boolean) {
  const docs: ExportDocument[] = [];
  const rejects: Reject[] = [];
  let skipped = 0;
  for (const item of items) {
    const misplaced = item.doc ? misplacedLine(item.doc, kind) : null;
    if (item.reject) rejects.push(item.reject);
    else if (misplaced) rejects.push(misplaced);
    else if (accept(item.doc)) docs.push(item.doc);
    else skipped += 1;
  }
  return { docs, rejects, skipped };
}

async function prepareSessions(
  pool: DatabasePool,
  source: LegacySource,
  items: readonly SourceItem[],
  settings: BackfillSettings,
  nowMs: number,
): Promise<Prepared<LegacySession>> {
  const since = settings.since;
  const { docs, rejects, skipped } = targetDocs(items, 'sessions', (doc) => {
    // The reverse mirror's copies of sessions SQL holds: never counted twice.
    if (doc.collection !== settings.collection || isMirroredSession(doc.data)) return false;
    if (!since) return true;
    const at = legacyInstant(doc.data[since.field]);
    return at !== null && at >= since.fromMs;
  });
  const zones = await userZones(pool, source, docs);
  const prepared = prepareLegacySessions(docs, {
    nowMs,
    maxSessionHours: settings.maxSessionHours,
    userTimeZone: (id) => zones.get(id),
    defaultTimeZone: settings.defaultTimeZone ?? undefined,
    spell: await timeZoneSpeller(pool),
  });
  return { ...prepared, rejects: [...rejects, ...prepared.rejects], skipped };
}

/** Legacy zones of the users of documents that carry none: as the users backfill stored them, else read from the source. */
async function userZones(pool: DatabasePool, source: LegacySource, docs: readonly ExportDocument[]): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const doc of docs) {
    if (typeof doc.data.timezone === 'string' && doc.data.timezone !== '') continue;
    const user = typeof doc.data.userId === 'string' ? doc.data.userId : doc.parentId;
    if (user) ids.add(user);
  }
  const zones = await legacyTimeZones(pool, ids);
  const missing = [...ids].filter((id) => !zones.has(id));
  if (missing.length > 0 && source.userTimeZones) {
    for (const [id, zone] of await source.userTimeZones(missing)) zones.set(id, zone);
  }
  return zones;
}

async function prepareUsers(pool: DatabasePool, items: readonly SourceItem[]): Promise<Prepared<LegacyUser>> {
  const { docs, rejects, skipped } = targetDocs(items, 'users', (doc) => doc.collection === 'users' && doc.parentId === null);
  const prepared = prepareLegacyUsers(docs, await timeZoneSpeller(pool));
  return { ...prepared, rejects: [...rejects, ...prepared.rejects], skipped };
}

/** The friends arrays of users/{uid} documents in `collection` (users of another collection, or nested, are not this run's). */
async function prepareFriendshipDocs(pool: DatabasePool, source: LegacySource, items: readonly SourceItem[], collection: string) {
  const { docs, rejects, skipped } = targetDocs(items, 'users', (doc) => doc.collection === collection && doc.parentId === null);
  const prepared = await prepareFriendships(pool, docs, source.existingUsers?.bind(source));
  return { ...prepared, rejects: [...rejects, ...prepared.rejects], skipped: skipped + prepared.skipped };
}
