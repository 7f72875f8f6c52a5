/** A publish did not get its acknowledgement in time; it may still land later (harmless: versions order it). */
export class PublishTimeoutError extends Error {
  readonly code = 'outbox/publish-timeout';
  constructor(readonly timeoutMs: number) {
    super(`Pub/Sub did not acknowledge within ${timeoutMs} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/** Publishing is switched off here (no emulator, no credentials); rows stay in the outbox for a relay that can publish. */
export class PublishingDisabledError extends Error {
  readonly code = 'outbox/publishing-disabled';
  constructor(readonly reason: string) {
    super(`Publishing is disabled: ${reason}`);
    this.name = 'PublishingDisabledError';
  }
}
