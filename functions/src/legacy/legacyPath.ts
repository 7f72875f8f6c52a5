// Firestore document ids we accept as session ids: the same rule as the callable's sessionId.
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface LegacyPath {
  path: string;
  /** Last path segment: the document id. */
  id: string;
  /** Collection id the document lives in (`sessions` for both `sessions/x` and `users/u/sessions/x`). */
  collection: string;
  /** The parent document's id for a subcollection document (`u` in `users/u/sessions/x`), else null. */
  parentId: string | null;
}

/** Splits a document path; null unless it has an even, non-zero number of non-empty segments. */
export function parseLegacyPath(path: unknown): LegacyPath | null {
  if (typeof path !== 'string' || path.length === 0 || path.length > 1500) return null;
  const segments = path.replace(/^\/+/, '').split('/');
  if (segments.length % 2 !== 0 || segments.some((s) => s.length === 0)) return null;
  return {
    path: segments.join('/'),
    id: segments[segments.length - 1] as string,
    collection: segments[segments.length - 2] as string,
    parentId: segments.length >= 4 ? (segments[segments.length - 3] as string) : null,
  };
}

export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}
