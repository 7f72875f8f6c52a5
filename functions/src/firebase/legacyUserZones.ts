import type { Firestore } from 'firebase-admin/firestore';

/** The `timezone` of legacy users/{uid} documents in Firestore (ids without one are left out). */
export async function readLegacyUserZones(db: Firestore, userIds: readonly string[], collection = 'users'): Promise<Map<string, string>> {
  const zones = new Map<string, string>();
  if (userIds.length === 0) return zones;
  for (const snap of await db.getAll(...userIds.map((id) => db.collection(collection).doc(id)))) {
    const zone = snap.get('timezone');
    if (typeof zone === 'string' && zone !== '') zones.set(snap.id, zone);
  }
  return zones;
}
