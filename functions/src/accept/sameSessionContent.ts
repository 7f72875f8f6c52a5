/** What makes two records the same session: its owner, its instants and its (canonical) zone. */
export interface SessionContent {
  userId: string;
  startMs: number;
  endMs: number;
  timeZone: string;
}

/**
 * Whether a session arriving again under a stored (user, sessionId) is a retry (same content) or a
 * conflict. Zones are compared as stored, in their canonical spelling, so `europe/paris` and
 * `Europe/Paris` are the same once validated. Every path that meets a stored id (callable,
 * bridge, backfill) decides with this function.
 */
export function sameSessionContent(a: SessionContent, b: SessionContent): boolean {
  return a.userId === b.userId && a.startMs === b.startMs && a.endMs === b.endMs && a.timeZone === b.timeZone;
}
