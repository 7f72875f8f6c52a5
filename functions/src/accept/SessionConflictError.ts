/** The caller's sessionId is already stored for the same user with different content (other times or zone). */
export class SessionConflictError extends Error {
  readonly code = 'session/conflict';
  constructor(readonly sessionId: string) {
    super(`Session ${sessionId} already exists with different content.`);
    this.name = 'SessionConflictError';
  }
}
