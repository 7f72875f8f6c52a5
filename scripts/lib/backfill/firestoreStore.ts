import type { Firestore, Query } from 'firebase-admin/firestore';
import { readLegacyUserZones } from '../../../functions/src/firebase/legacyUserZones';
import type { KeyRange } from './keyRanges';
import type { LegacyStore, PageQuery, StoredDoc, StoredInstant } from './legacyStore';

export interface FirestoreStoreOptions {
  collection?: string;
  group?: string;
  /** Read one consistent snapshot (a read-only transaction at this time; Firestore keeps 1 h, 7 days with PITR). */
  readTime?: Date;
  usersCollection?: string;
}

/** The LegacyStore over firebase-admin Firestore (build the client with adminFirestore, which refuses where it could probe the metadata server). */
export async function firestoreStore(db: Firestore, options: FirestoreStoreOptions): Promise<LegacyStore> {
  const { FieldPath, Timestamp } = await import('firebase-admin/firestore');
  const name = options.group ?? options.collection ?? 'sessions';
  const base = (): Query => (options.group ? db.collectionGroup(options.group) : db.collection(name));
  const readTime = options.readTime ? Timestamp.fromDate(options.readTime) : undefined;
  const toTimestamp = (i: StoredInstant) => new Timestamp(i.seconds, i.nanoseconds);
  const keyOf = (path: string, id: string) => (options.group ? path : id);

  const run = async (query: Query) => (readTime ? db.runTransaction((t) => t.get(query), { readOnly: true, readTime }) : query.get());

  const ranged = (range: KeyRange, afterKey: string | null): Query => {
    let q = base().orderBy(FieldPath.documentId());
    if (afterKey !== null) q = q.startAfter(afterKey);
    else if (range.from !== null) q = q.startAt(range.from);
    if (range.to !== null) q = q.endBefore(range.to);
    return q;
  };

  return {
    describe: `firestore ${options.group ? `collection group ${options.group}` : `collection ${name}`}${readTime ? ` at ${options.readTime?.toISOString()}` : ''}`,
    async page(query: PageQuery): Promise<StoredDoc[]> {
      let q: Query;
      if (query.since) {
        const { field, from, after } = query.since;
        // Keyset paging on (field, id): an inequality must order by its field first.
        q = base().where(field, '>=', toTimestamp(from)).orderBy(field).orderBy(FieldPath.documentId());
        if (after) q = q.startAfter(toTimestamp(after), after.key);
      } else {
        q = ranged(query.range, query.afterKey);
      }
      const snapshot = await run(q.limit(query.limit));
      return snapshot.docs.map((d) => {
        const data = d.data();
        const value = query.since ? data[query.since.field] : undefined;
        const since = value instanceof Timestamp ? { seconds: value.seconds, nanoseconds: value.nanoseconds } : undefined;
        return { key: keyOf(d.ref.path, d.id), path: d.ref.path, data, since };
      });
    },
    async count(range: KeyRange, since?: { field: string; from: StoredInstant }) {
      const q = since ? base().where(since.field, '>=', toTimestamp(since.from)) : ranged(range, null);
      const snapshot = await q.count().get();
      return snapshot.data().count;
    },
    userTimeZones: (userIds: string[]) => readLegacyUserZones(db, userIds, options.usersCollection),
    partitionPoints: options.group ? (count: number) => partitionPoints(db, options.group as string, count) : undefined,
    async existingUsers(userIds: string[]) {
      if (userIds.length === 0) return new Set<string>();
      const users = db.collection(options.usersCollection ?? 'users');
      const snapshots = await db.getAll(...userIds.map((id) => users.doc(id)), { fieldMask: [] });
      return new Set(snapshots.filter((s) => s.exists).map((s) => s.id));
    },
  };
}

/** gRPC UNIMPLEMENTED: the Firestore emulator of the Cloud CLI has no PartitionQuery. */
const UNIMPLEMENTED = 12;

// getPartitions has no read time; its split points are only boundaries, so every key still falls in
// exactly one range whatever the snapshot the pages then read.
async function partitionPoints(db: Firestore, group: string, count: number): Promise<string[] | null> {
  const points: string[] = [];
  try {
    for await (const partition of db.collectionGroup(group).getPartitions(count)) {
      const at = partition.startAt?.[0] as { path?: unknown } | undefined;
      if (at && typeof at.path === 'string') points.push(at.path);
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIMPLEMENTED) return null;
    throw error;
  }
  return points;
}
