import { createHash, randomBytes } from 'node:crypto';
import type { AdjustmentKind } from '../../../functions/src/db/streakAdjustments';

/**
 * The id of a grant or repair typed without --id: derived from what it says, so running the same
 * command (or file line) again is a duplicate of the first, never a second grant. The content is
 * hashed as a JSON array, so no user id or reason can make two contents read alike.
 */
export function contentAdjustmentId(kind: Exclude<AdjustmentKind, 'revoke'>, content: ReadonlyArray<string | number>): string {
  return `cli-${kind}-${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 20)}`;
}

/**
 * The id of a revoke: new each run. An adjustment is revoked at most once, so a second run answers
 * already_revoked, naming the revoke that did it; a derived id would answer duplicate (or conflict
 * for another reason) instead.
 */
export function revokeAdjustmentId(): string {
  return `cli-revoke-${randomBytes(10).toString('hex')}`;
}
