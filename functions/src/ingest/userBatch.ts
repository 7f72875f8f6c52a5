import type { CommonQueryMethods } from 'slonik';
import { tombstonesOf } from '../db/deletedUsers';
import { upsertLegacyUsers } from '../db/users';
import { deletedUserReject, parseLegacyUser, type ExportDocument, type LegacyUser, type Reject } from '../legacy';
import { deletedDetail } from './deletedDetail';
import type { PreparedBatch } from './preparedBatch';

/**
 * Legacy users/{uid} documents as users rows: parsed, a user the batch holds twice kept once, the zone
 * in the sessions' spelling (CET as Europe/Brussels); a zone PostgreSQL lacks is kept as read, and
 * that user's sessions are refused.
 */
export function prepareLegacyUsers(docs: readonly ExportDocument[], spell: (zone: string) => string | null): PreparedBatch<LegacyUser> {
  const prepared: PreparedBatch<LegacyUser> = { records: [], rejects: [], duplicates: 0, raw: new Map() };
  const byId = new Map<string, LegacyUser>();
  for (const doc of docs) {
    const parsed = parseLegacyUser(doc, doc.data);
    if (!parsed.ok) prepared.rejects.push(parsed.reject);
    else if (byId.has(parsed.user.userId)) prepared.duplicates += 1;
    else byId.set(parsed.user.userId, { ...parsed.user, timeZone: parsed.user.timeZone === null ? null : (spell(parsed.user.timeZone) ?? parsed.user.timeZone) });
  }
  prepared.records = [...byId.values()];
  return prepared;
}

/**
 * Writes a prepared batch of users (in the caller's transaction, which holds the deletion gate). A
 * deleted user's legacy document predates the deletion: nothing of it comes back (deleted_user).
 */
export async function writeLegacyUserBatch(tx: CommonQueryMethods, users: readonly LegacyUser[], options: { dryRun: boolean }) {
  const deleted = await tombstonesOf(tx, users.map((u) => u.userId));
  const rejects: Reject[] = [];
  for (const u of users) {
    const tombstone = deleted.get(u.userId);
    if (tombstone) rejects.push(deletedUserReject(u.path, deletedDetail(tombstone, 'after this document was written')));
  }
  const outcome = await upsertLegacyUsers(tx, users.filter((u) => !deleted.has(u.userId)), options);
  return { ...outcome, rejects };
}
