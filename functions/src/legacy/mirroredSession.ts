import { createHash } from 'node:crypto';

/** The field only the server writes on a mirrored session; the security rules refuse it from clients. */
export const MIRROR_MARKER = 'mirroredFromSql';

/**
 * The document id of a callable session's mirror in legacy sessions/: one per (user, sessionId), and
 * never a legacy id, since legacy documents are created under rules that allow only [A-Za-z0-9_-].
 */
export function mirrorDocumentId(userId: string, sessionId: string): string {
  return `sql.${createHash('sha256').update(`${userId}\u0000${sessionId}`).digest('base64url').slice(0, 32)}`;
}

/** A legacy session document the mirror wrote: a copy of a session SQL holds, never ingested again. */
export function isMirroredSession(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)[MIRROR_MARKER] === true;
}
