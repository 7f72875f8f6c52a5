/** What the "today's zone" rule looks at in a session. */
export interface SessionEnd {
  sessionId: string;
  endMs: number;
  timeZone: string;
}

/**
 * The later of two sessions for the "today's zone" rule: the later end wins; equal ends go to the
 * higher sessionId. Ids are ASCII (A–Z, a–z, 0–9, _ and -), where JavaScript's code-unit order is
 * byte order, so SQL orders them the same way with `collate "C"`.
 */
export function latestSession<T extends SessionEnd>(current: T | null, candidate: T): T {
  if (current === null) return candidate;
  const candidateWins = candidate.endMs > current.endMs || (candidate.endMs === current.endMs && candidate.sessionId > current.sessionId);
  return candidateWins ? candidate : current;
}

/** "Today" is judged in the zone of the user's session with the latest end (ties: the highest sessionId). */
export function latestZone(stored: SessionEnd | null, incoming: SessionEnd): string {
  return latestSession(stored, incoming).timeZone;
}
