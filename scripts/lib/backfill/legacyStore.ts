import type { KeyRange } from './keyRanges';

/** A Firestore instant as stored: exact, so cursors on it never skip or repeat a document. */
export interface StoredInstant {
  seconds: number;
  nanoseconds: number;
}

export interface StoredDoc {
  /** The order key: the document id in a collection, the full path in a collection group. */
  key: string;
  path: string;
  data: Record<string, unknown>;
  /** The value of the since-field, when the query filtered on it. */
  since?: StoredInstant;
}

export interface PageQuery {
  range: KeyRange;
  /** Continue after this key (exclusive). */
  afterKey: string | null;
  limit: number;
  /** Catch-up: only documents whose `field` ≥ from, ordered by (field, key). */
  since?: { field: string; from: StoredInstant; after: (StoredInstant & { key: string }) | null };
}

/**
 * The few Firestore reads a backfill needs: keyset pages in document-id order (never offsets,
 * which bill every skipped document), a count for the ETA, and user zones.
 */
export interface LegacyStore {
  describe: string;
  page(query: PageQuery): Promise<StoredDoc[]>;
  count(range: KeyRange, since?: { field: string; from: StoredInstant }): Promise<number | null>;
  userTimeZones(userIds: string[]): Promise<Map<string, string>>;
  /** Which of these ids have a users/{uid} document. */
  existingUsers?(userIds: string[]): Promise<Set<string>>;
  /**
   * Collection groups: split points Firestore chose (PartitionQuery) for about `count` partitions of
   * similar size, as full document paths in any order; null where the backend lacks the RPC.
   */
  partitionPoints?(count: number): Promise<string[] | null>;
}

export function compareInstants(a: StoredInstant, b: StoredInstant): number {
  return a.seconds - b.seconds || a.nanoseconds - b.nanoseconds;
}

export function instantOfMs(ms: number): StoredInstant {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanoseconds: (ms - seconds * 1000) * 1e6 };
}
