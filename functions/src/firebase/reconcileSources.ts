import type { Config } from '../config';
import type { LegacySessionDoc } from '../reconcile/legacySessionWindow';
import type { ReconcileSources } from '../reconcile/reconcileLegacySessions';
import { adminFirestore } from './firestore';

/**
 * The reconcile pass's Firestore reads: legacy sessions/{id} by their since-field (keyset paging on
 * (field, document id), as the catch-up backfill reads), and streaks/{uid} documents in one getAll.
 */
export async function firestoreReconcileSources(config: Config): Promise<ReconcileSources> {
  const firestore = await adminFirestore(config);
  const { FieldPath, Timestamp } = await import('firebase-admin/firestore');
  const field = config.reconcile.sinceField;
  return {
    legacy: {
      async page(range, after, limit) {
        let query = firestore
          .collection('sessions')
          .where(field, '>=', Timestamp.fromMillis(range.fromMs))
          .where(field, '<', Timestamp.fromMillis(range.toMs))
          .orderBy(field)
          .orderBy(FieldPath.documentId());
        // The cursor is the document's own Timestamp: a value rounded to milliseconds would read it again.
        if (after) query = query.startAfter(after.cursor, after.id);
        const snapshot = await query.limit(limit).get();
        return snapshot.docs.flatMap((d): LegacySessionDoc[] => {
          const value = d.get(field);
          return value instanceof Timestamp ? [{ path: d.ref.path, id: d.id, createdAtMs: value.toMillis(), data: d.data(), cursor: value }] : [];
        });
      },
    },
    projections: {
      async read(userIds) {
        if (userIds.length === 0) return new Map();
        const snapshots = await firestore.getAll(...userIds.map((id) => firestore.collection('streaks').doc(id)));
        return new Map(snapshots.filter((s) => s.exists).map((s) => [s.id, s.data() as Record<string, unknown>]));
      },
    },
  };
}
