import { z } from 'zod';
import type { Config } from '../../../functions/src/config';
import { adminFirestore } from '../../../functions/src/firebase/firestore';
import type { BackfillPlan } from './storedRunOptions';
import { findExportFiles } from './export/exportFiles';
import { exportSource } from './export/exportSource';
import { firestoreStore } from './firestoreStore';
import { storeSource } from './firestoreSource';
import { keyRanges, type KeyRange } from './keyRanges';
import type { LegacySource } from './legacySource';
import type { LegacyStore } from './legacyStore';
import { instantOfMs } from './legacyStore';
import { ndjsonSource } from './ndjsonSource';
import { rangesOfPoints, rangesOfTask } from './partitionRanges';

/** How the key space was cut: Firestore's partitions of a collection group, or document-id prefixes. */
export type RangesFrom = 'partitions' | 'prefix';

export interface RangeChoice {
  /** A resumed run: the ranges it started with (its cursor holds a position in each), used as they are. */
  fixed?: { ranges: KeyRange[]; from: RangesFrom };
  /** A task of a run group: the group's ranges if a task stored them, and how to store them first. */
  group?: { stored: KeyRange[] | null; settle(all: KeyRange[]): Promise<KeyRange[]> };
}

export const storedRanges = z.array(z.object({ from: z.string().nullable(), to: z.string().nullable() }));

/**
 * The source a plan reads. `store` replaces Firestore (tests pass the in-memory store); otherwise
 * firebase-admin is loaded only now, and adminFirestore refuses where it could probe the metadata server.
 * A collection group is cut where Firestore's PartitionQuery says (ranges of similar size whatever the
 * id scheme), where that is available and every reader shares one answer: one process, or a run
 * group whose first task stores it. Elsewhere (a plain collection, --since, separate --shard
 * processes, an emulator without the RPC) it is cut on id prefixes; `ranges` and `rangesNote` say which.
 */
export async function sourceOfPlan(plan: BackfillPlan, config: Config, store?: LegacyStore, choice: RangeChoice = {}): Promise<LegacySource & { ranges?: RangesFrom; rangesNote?: string }> {
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
  const since = plan.since ? { field: plan.since.field, from: instantOfMs(plan.since.fromMs) } : undefined;
  let ranges = keyRanges(shard.index, shard.count, partitions, plan.group ? `${plan.groupParent}/` : '');
  let from: RangesFrom = 'prefix';
  let note = plan.group ? 'this store offers no partitions' : 'a plain collection';
  if (choice.fixed) {
    ({ ranges, from } = choice.fixed);
    note = 'as the run started';
  } else if (plan.group && since) {
    note = '--since reads in since-field order';
  } else if (plan.group && shard.count > 1 && !choice.group) {
    note = 'separate --shard processes cannot share one answer of Firestore';
  } else if (plan.group && legacy.partitionPoints) {
    let all = choice.group?.stored ?? null;
    if (all === null) {
      const points = await legacy.partitionPoints(shard.count * partitions);
      if (points !== null) all = choice.group ? await choice.group.settle(rangesOfPoints(points)) : rangesOfPoints(points);
    }
    if (all !== null) {
      ranges = rangesOfTask(all, shard.index, shard.count);
      from = 'partitions';
      note = `${all.length} partitions of the collection group, ${ranges.length} read here`;
    } else note = 'this Firestore answers PartitionQuery with UNIMPLEMENTED, as the emulator does';
  }
  const source = storeSource(legacy, {
    ranges: since ? [{ from: null, to: null }] : ranges,
    since,
    fingerprint: { store: legacy.describe, collection: plan.collection, group: plan.group, ranges, since: plan.since, readTimeMs },
  });
  return { ...source, ranges: from, rangesNote: `key ranges: ${from === 'partitions' ? "Firestore's partitions" : 'document-id prefixes'} (${note})` };
}
