import type { Config } from '../../../functions/src/config';
import { adminFirestore } from '../../../functions/src/firebase/firestore';
import type { BackfillPlan } from './backfillOptions';
import { findExportFiles } from './export/exportFiles';
import { exportSource } from './export/exportSource';
import { firestoreStore } from './firestoreStore';
import { storeSource } from './firestoreSource';
import { keyRanges } from './keyRanges';
import type { LegacySource } from './legacySource';
import type { LegacyStore } from './legacyStore';
import { instantOfMs } from './legacyStore';
import { ndjsonSource } from './ndjsonSource';

/**
 * The source a plan reads. `store` replaces Firestore (tests pass the in-memory store); otherwise
 * firebase-admin is loaded only now, and adminFirestore refuses where it could probe the metadata server.
 */
export async function sourceOfPlan(plan: BackfillPlan, config: Config, store?: LegacyStore): Promise<LegacySource> {
  if (plan.source.type === 'file') return ndjsonSource(plan.source.file, { collection: plan.collection });
  if (plan.source.type === 'export') {
    const found = findExportFiles(plan.source.dir, plan.collection);
    if (!found.ok) throw new Error(`--from-export: ${found.problem}`);
    return exportSource(found.export, { collection: plan.collection, group: plan.group, shard: plan.source.shard });
  }
  const { readTimeMs, shard, partitions } = plan.source;
  const legacy =
    store ??
    (await firestoreStore(await adminFirestore(config), {
      collection: plan.group ? undefined : plan.collection,
      group: plan.group ? plan.collection : undefined,
      readTime: readTimeMs === null ? undefined : new Date(readTimeMs),
    }));
  const ranges = keyRanges(shard.index, shard.count, partitions, plan.group ? `${plan.groupParent}/` : '');
  const since = plan.since ? { field: plan.since.field, from: instantOfMs(plan.since.fromMs) } : undefined;
  return storeSource(legacy, {
    ranges: since ? [{ from: null, to: null }] : ranges,
    since,
    fingerprint: { store: legacy.describe, collection: plan.collection, group: plan.group, ranges, since: plan.since, readTimeMs },
  });
}
