import { legacyInstant } from '../../../functions/src/legacy';
import { inRange } from '../../lib/backfill/keyRanges';
import { compareInstants, instantOfMs, type LegacyStore, type StoredDoc, type StoredInstant } from '../../lib/backfill/legacyStore';

export interface MemoryStoreOptions {
  /** Read `collection/{id}` documents, or with `group` every `…/{group}/{id}` document. */
  collection?: string;
  group?: string;
  users?: Record<string, { timezone?: unknown }>;
  /** Collection groups: answer PartitionQuery as Firestore does (evenly spaced points, out of order); absent: no such RPC. */
  partitions?: boolean;
}

/** Firestore's paging semantics over documents in memory: the LegacyStore of tests. */
export function memoryStore(documents: Record<string, Record<string, unknown>>, options: MemoryStoreOptions): LegacyStore & { reads: number } {
  const name = options.group ?? options.collection ?? 'sessions';
  const all: StoredDoc[] = Object.entries(documents)
    .filter(([path]) => {
      const segments = path.split('/');
      return segments[segments.length - 2] === name && (options.group !== undefined || segments.length === 2);
    })
    .map(([path, data]) => ({ key: options.group ? path : (path.split('/').pop() as string), path, data }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const sinceOf = (doc: StoredDoc, field: string): StoredInstant | null => {
    const ms = legacyInstant(doc.data[field]);
    return ms === null ? null : instantOfMs(ms);
  };
  const store = {
    describe: `memory ${options.group ? `group ${name}` : name}`,
    reads: 0,
    async page(query: Parameters<LegacyStore['page']>[0]) {
      let docs = all.filter((d) => inRange(d.key, query.range));
      if (query.since) {
        const { field, from, after } = query.since;
        docs = docs
          .map((d) => ({ ...d, since: sinceOf(d, field) ?? undefined }))
          .filter((d): d is StoredDoc & { since: StoredInstant } => d.since !== undefined && compareInstants(d.since, from) >= 0)
          .sort((a, b) => compareInstants(a.since, b.since) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
          .filter((d) => after === null || compareInstants(d.since, after) > 0 || (compareInstants(d.since, after) === 0 && d.key > after.key));
      } else if (query.afterKey !== null) {
        docs = docs.filter((d) => d.key > (query.afterKey as string));
      }
      const page = docs.slice(0, query.limit);
      store.reads += page.length;
      return page;
    },
    async count(range: Parameters<LegacyStore['count']>[0]) {
      return all.filter((d) => inRange(d.key, range)).length;
    },
    partitionPoints: options.partitions
      ? async (count: number) => {
          const step = Math.max(Math.ceil(all.length / count), 1);
          const points = all.filter((_, i) => i > 0 && i % step === 0).map((d) => d.key);
          // Firestore promises no order: reversed here, so callers must sort.
          return points.reverse();
        }
      : undefined,
    async userTimeZones(userIds: string[]) {
      const zones = new Map<string, string>();
      for (const id of userIds) {
        const zone = options.users?.[id]?.timezone;
        if (typeof zone === 'string' && zone !== '') zones.set(id, zone);
      }
      return zones;
    },
  };
  return store;
}
