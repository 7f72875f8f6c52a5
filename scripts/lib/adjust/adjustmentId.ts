import { createHash, randomBytes } from 'node:crypto';

/**
 * The id of a grant or repair typed without --id: derived from what it says, so running the same
 * command (or file line) again is a duplicate of the first, never a second grant. The content is
 * hashed as a JSON array, so no user id or reason can make two contents read alike.
 */
export function contentAdjustmentId(kind: 'grant-freezes' | 'repair', content: ReadonlyArray<string | number>): string {
  return `cli-${kind}-${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 20)}`;
}

/**
 * The id of a revoke or a day-start change: new each run. An adjustment is revoked at most once, so a
 * second run answers already_revoked, naming the revoke that did it. A day start may rightly be set to
 * the same minutes again after another change (240, then 0, then 240): a derived id would answer
 * duplicate for the third; minutes already in effect answer already_set instead.
 */
export function freshAdjustmentId(kind: 'revoke' | 'day-start'): string {
  return `cli-${kind}-${randomBytes(10).toString('hex')}`;
}
