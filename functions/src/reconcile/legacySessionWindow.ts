/** A legacy sessions/{id} document as the reconcile pass reads it, by its creation time. */
export interface LegacySessionDoc {
  path: string;
  id: string;
  /** The since-field (RECONCILE_SINCE_FIELD), epoch ms. */
  createdAtMs: number;
  data: Record<string, unknown>;
  /** Where the store continues after this document (its own exact value of the field). */
  cursor: unknown;
}

/** Where the legacy sessions are: Firestore deployed, an array in tests. */
export interface LegacySessionWindow {
  /** Documents whose since-field is in [fromMs, toMs), ordered by it and then by id, after `after`, at most `limit`. */
  page(range: { fromMs: number; toMs: number }, after: LegacySessionDoc | null, limit: number): Promise<LegacySessionDoc[]>;
}
