/** The conditional write of streaks/{userId} lost every race it was allowed: throwing makes Pub/Sub deliver the message again later. */
export class WriteContendedError extends Error {
  readonly code = 'projection/contended';
  constructor(
    readonly userId: string,
    readonly version: number,
    readonly attempts: number,
  ) {
    super(`streaks/${userId}: version ${version} not written after ${attempts} conditional attempts, each raced by another writer; Pub/Sub retries it`);
    this.name = 'WriteContendedError';
  }
}
