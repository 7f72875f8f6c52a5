import { parseLegacyPath } from '../../../functions/src/legacy';
import type { KeyRange } from './keyRanges';
import type { LegacySource, SourceBatch, SourceItem } from './legacySource';
import type { LegacyStore, StoredInstant } from './legacyStore';

interface RangeCursor extends KeyRange {
  afterKey: string | null;
  sinceAfter: (StoredInstant & { key: string }) | null;
  done: boolean;
}

interface StoreCursor {
  ranges: RangeCursor[];
  read: number;
}

export interface StoreSourceOptions {
  ranges: KeyRange[];
  since?: { field: string; from: StoredInstant };
  fingerprint: Record<string, unknown>;
}

/**
 * Reads the ranges (partitions) in parallel, one page in flight per range, and yields each page as
 * a batch as soon as it arrives. The cursor holds every range's last key, so a resumed run
 * continues each partition exactly where its last committed batch ended.
 */
export function storeSource(store: LegacyStore, options: StoreSourceOptions): LegacySource {
  return {
    describe: store.describe,
    fingerprint: options.fingerprint,
    async total() {
      const counts = await Promise.all(options.ranges.map((r) => store.count(r, options.since)));
      return counts.some((c) => c === null) ? null : (counts as number[]).reduce((a, b) => a + b, 0);
    },
    batches: (after, batchSize) => readBatches(store, options, (after as StoreCursor | null) ?? initial(options.ranges), batchSize),
    userTimeZones: (ids) => store.userTimeZones(ids),
    existingUsers: store.existingUsers ? (ids) => store.existingUsers!(ids) : undefined,
  };
}

function initial(ranges: KeyRange[]): StoreCursor {
  return { ranges: ranges.map((r) => ({ ...r, afterKey: null, sinceAfter: null, done: false })), read: 0 };
}

async function* readBatches(store: LegacyStore, options: StoreSourceOptions, start: StoreCursor, batchSize: number): AsyncGenerator<SourceBatch> {
  const state: StoreCursor = structuredClone(start);
  const fetchPage = (index: number) => {
    const range = state.ranges[index] as RangeCursor;
    const since = options.since ? { ...options.since, after: range.sinceAfter } : undefined;
    return store.page({ range, afterKey: range.afterKey, limit: batchSize, since }).then((docs) => ({ index, docs }));
  };
  const inFlight = new Map<number, ReturnType<typeof fetchPage>>();
  state.ranges.forEach((r, i) => {
    if (!r.done) inFlight.set(i, fetchPage(i));
  });
  while (inFlight.size > 0) {
    const { index, docs } = await Promise.race(inFlight.values());
    inFlight.delete(index);
    const range = state.ranges[index] as RangeCursor;
    const last = docs[docs.length - 1];
    if (last !== undefined) {
      range.afterKey = last.key;
      if (last.since) range.sinceAfter = { ...last.since, key: last.key };
    }
    // A short page is the last one: saves a read of an empty page per partition.
    range.done = docs.length < batchSize;
    if (!range.done) inFlight.set(index, fetchPage(index));
    state.read += docs.length;
    const items: SourceItem[] = docs.map((d) => {
      const location = parseLegacyPath(d.path);
      return location
        ? { doc: { ...location, data: d.data } }
        : { reject: { path: d.path, reason: 'invalid_path' as const, detail: 'unreadable document path', raw: d.data } };
    });
    yield { items, cursor: structuredClone(state), position: state.read };
  }
}
