import type { ExportDocument, Reject } from '../../../functions/src/legacy';

/** What a source yields: a document, or a line that could not even be read as one. */
export type SourceItem = { doc: ExportDocument; reject?: never } | { doc?: never; reject: Reject };

export interface SourceBatch {
  items: SourceItem[];
  /** Where to continue after this batch (JSON). Saved in the same transaction as the batch. */
  cursor: unknown;
  /** Bytes (files) or documents (Firestore) consumed so far, for progress. */
  position: number;
}

/**
 * Legacy documents in a stable order, read in batches from a cursor: an NDJSON export file, or
 * Firestore through the small LegacyStore interface (in memory for tests, firebase-admin for real).
 */
export interface LegacySource {
  /** For logs and backfill_runs.source. */
  describe: string;
  /** Identifies the input, stored with the run; a resume against different input is refused. */
  fingerprint: Record<string, unknown>;
  /** Size in the unit of `position` when cheaply known (file bytes, a count() query), for the ETA. */
  total(): Promise<number | null>;
  batches(after: unknown, batchSize: number): AsyncIterable<SourceBatch>;
  /** Zones of legacy users/{uid} documents, for sessions without their own (files have none). */
  userTimeZones?(userIds: string[]): Promise<Map<string, string>>;
  /** Which of these ids have a legacy users/{uid} document (friendships: a listed friend must exist). */
  existingUsers?(userIds: string[]): Promise<Set<string>>;
}
