import { ForeignKeyIntegrityConstraintViolationError, type CommonQueryMethods, type DatabaseTransactionConnection } from 'slonik';
import { sameSessionContent } from '../accept/sameSessionContent';
import { insertBackfillSessions, sessionKeyOf, storedSessions, type SessionKey, type SessionRow } from '../db/focusSessions';
import { isLegacySessionOfDeletedUser, tombstonesOf } from '../db/deletedUsers';
import { ensureUsers } from '../db/users';
import { deletedUserReject, type LegacySession, type Reject } from '../legacy';
import { conflictReject } from './conflictReject';
import { deletedDetail } from './deletedDetail';

export interface SessionBatchOutcome {
  inserted: LegacySession[];
  duplicates: number;
  /**
   * Sessions whose id is stored for the same user with other content (never overwritten), and
   * sessions of a deleted user that start before the deletion (deleted_user: never brought back).
   */
  conflicts: Reject[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One bulk insert of a batch ((user, id) keys unique within it), ON CONFLICT DO NOTHING; rows that
 * were not inserted are compared with what is stored: same content is a duplicate, other content a
 * conflict. Ids are per user: the same id of two users is two sessions, both inserted.
 *
 * `knownUsers`: users an earlier committed batch of the run already created, whose rows are not
 * inserted again (re-inserting every batch's users cost 3.4 s of a 1M-session backfill). Should one
 * have been deleted since (an account deletion meanwhile), the sessions meet the foreign key under a
 * savepoint, and the batch creates all its users and inserts again. `users`: the batch's users, all
 * existing once it commits.
 */
export async function insertSessionBatch(
  tx: DatabaseTransactionConnection,
  batch: readonly LegacySession[],
  knownUsers: ReadonlySet<string> = new Set(),
): Promise<SessionBatchOutcome & { users: string[] }> {
  if (batch.length === 0) return { inserted: [], duplicates: 0, conflicts: [], users: [] };
  const { sessions, deleted } = await withoutDeletedUsers(tx, batch);
  if (sessions.length === 0) return { inserted: [], duplicates: 0, conflicts: deleted, users: [] };
  const users = [...new Set(sessions.map((s) => s.userId))];
  const unknown = users.filter((u) => !knownUsers.has(u));
  await ensureUsers(tx, unknown);
  const insert = async (): Promise<readonly SessionKey[]> => {
    if (unknown.length === users.length) return insertBackfillSessions(tx, sessions);
    try {
      return await tx.transaction((savepoint) => insertBackfillSessions(savepoint, sessions));
    } catch (error) {
      if (!(error instanceof ForeignKeyIntegrityConstraintViolationError)) throw error;
      await ensureUsers(tx, users);
      return insertBackfillSessions(tx, sessions);
    }
  };
  const fresh = new Set((await insert()).map(sessionKeyOf));
  // Only the few rows that did not go in are read back and compared (a backfill is mostly new rows).
  const stored = await storedSessions(tx, sessions.filter((s) => !fresh.has(sessionKeyOf(s))));
  const outcome = classify(sessions, fresh, stored);
  return { ...outcome, conflicts: [...deleted, ...outcome.conflicts], users };
}

/** The dry-run twin: classifies against what is stored, writes nothing. */
export async function classifySessionBatch(db: CommonQueryMethods, batch: readonly LegacySession[]): Promise<SessionBatchOutcome> {
  if (batch.length === 0) return { inserted: [], duplicates: 0, conflicts: [] };
  const { sessions, deleted } = await withoutDeletedUsers(db, batch);
  const stored = await storedSessions(db, sessions);
  const known = new Set(stored.map(sessionKeyOf));
  const outcome = classify(sessions, new Set(sessions.map(sessionKeyOf).filter((key) => !known.has(key))), stored);
  return { ...outcome, conflicts: [...deleted, ...outcome.conflicts] };
}

/**
 * The legacy rule for deleted users: a session of a user who deleted their data, starting before
 * the deletion, was written before it (the run read it earlier, or the export is older) and is
 * rejected as deleted_user. Sessions that start after the deletion are new data and go in, unless
 * the Firebase Auth account itself was deleted: then none does.
 */
async function withoutDeletedUsers(db: CommonQueryMethods, batch: readonly LegacySession[]): Promise<{ sessions: LegacySession[]; deleted: Reject[] }> {
  const tombstones = await tombstonesOf(db, batch.map((s) => s.userId));
  if (tombstones.size === 0) return { sessions: [...batch], deleted: [] };
  const sessions: LegacySession[] = [];
  const deleted: Reject[] = [];
  for (const s of batch) {
    const tombstone = tombstones.get(s.userId);
    if (!isLegacySessionOfDeletedUser(tombstone, s.startMs)) sessions.push(s);
    else deleted.push(deletedUserReject(s.path, deletedDetail(tombstone!, 'after this session started')));
  }
  return { sessions, deleted };
}

/** Sessions in `inserted` went in; every other one is a duplicate of its stored row or a conflict. */
function classify(sessions: readonly LegacySession[], inserted: ReadonlySet<string>, stored: readonly SessionRow[]): SessionBatchOutcome {
  const storedByKey = new Map(stored.map((r) => [sessionKeyOf(r), r]));
  const outcome: SessionBatchOutcome = { inserted: [], duplicates: 0, conflicts: [] };
  for (const session of sessions) {
    const key = sessionKeyOf(session);
    if (inserted.has(key)) {
      outcome.inserted.push(session);
      continue;
    }
    const row = storedByKey.get(key);
    if (row && sameSessionContent(session, row)) outcome.duplicates += 1;
    else outcome.conflicts.push(conflictReject(session, row ? describeStored(row) : 'another session'));
  }
  return outcome;
}

const describeStored = (r: SessionRow) => `${iso(r.startMs)} – ${iso(r.endMs)} ${r.timeZone}`;
