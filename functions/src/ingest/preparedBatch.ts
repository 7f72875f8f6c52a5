import type { Reject } from '../legacy';

/** A batch of legacy documents parsed for writing: the records, the rejects, and what was already in it. */
export interface PreparedBatch<T> {
  records: T[];
  rejects: Reject[];
  /** Documents the batch held twice with the same content (kept once). */
  duplicates: number;
  /** Each record's document as read, by path: the evidence of a reject found only when writing. */
  raw: Map<string, unknown>;
}
