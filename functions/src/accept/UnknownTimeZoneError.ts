/** A zone the runtime knows and PostgreSQL does not (US/Pacific-New, SystemV/AST4). */
export class UnknownTimeZoneError extends Error {
  readonly code = 'session/unknown-timezone';
  constructor(readonly timeZone: string) {
    super(`Time zone ${JSON.stringify(timeZone)} is not known to the database.`);
    this.name = 'UnknownTimeZoneError';
  }
}
