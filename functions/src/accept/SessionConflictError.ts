/** The sessionId is already stored with different content (another user, or other times or zone). */
export class SessionConflictError extends Error {
  readonly code = 'session/conflict';
  constructor(readonly sessionId: string) {
    super(`Session ${sessionId} already exists with different content.`);
    this.name = 'SessionConflictError';
  }
}
