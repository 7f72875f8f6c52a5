import { randomBytes } from 'node:crypto';
import type { CallableRequest } from 'firebase-functions/https';
import { setDayStartRequestSchema, type SetDayStartResponse } from '../contract/callables';
import { AccountDeletedError } from '../db/AccountDeletedError';
import { getRuntime } from '../runtime';
import { inRequestTrace } from './inRequestTrace';
import { limitedCall } from './limitedCall';
import { logs, type CallContext } from './logs';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';

/**
 * setDayStart({minutes}): from the caller's next date on, each of their dates begins `minutes` after
 * local midnight. Never sooner: a date already under way keeps its start, so no session the streak
 * has counted moves to another date. Recorded as a day-start adjustment (revocable, with who and
 * when), and the streak is rebuilt and queued for streaks/{uid} in the same statement.
 */
export function handleSetDayStart(request: CallableRequest<unknown>): Promise<SetDayStartResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<SetDayStartResponse> {
  const uid = requireAuth(request, 'setDayStart');
  const context: CallContext & { uid: string } = { fn: 'setDayStart', uid };
  const { minutes } = parseRequest(setDayStartRequestSchema, request, context);
  try {
    const runtime = await getRuntime();
    return await limitedCall(runtime, context, async () => {
      const { applyAdjustment } = await import('../db/streakAdjustments');
      // Each call is a new change, so a new id: the database, not the id, recognises the same minutes set twice.
      const id = `user-day-start-${randomBytes(16).toString('hex')}`;
      const outcome = await applyAdjustment(
        runtime.db.pool,
        { id, kind: 'day-start', userId: uid, minutes, effectiveFrom: null, reason: 'set by the user', actor: `user:${uid}` },
        { qualifySeconds: runtime.config.qualifySeconds, freezeCap: runtime.config.freezeCap },
      );
      if (outcome.status === 'account_deleted') throw new AccountDeletedError(uid);
      if ((outcome.status !== 'applied' && outcome.status !== 'already_set') || outcome.effectiveFrom === undefined) {
        // A fresh id cannot be a duplicate or a conflict: any other answer is a bug, answered internal.
        throw new Error(`apply_streak_adjustment answered ${outcome.status} (effectiveFrom ${outcome.effectiveFrom ?? 'absent'}) to a new day-start adjustment`);
      }
      logs.dayStartSet(context, { minutes, effectiveFrom: outcome.effectiveFrom, status: outcome.status, adjustmentId: id, version: outcome.after?.version ?? null });
      return { dayStartMinutes: minutes, effectiveFrom: outcome.effectiveFrom };
    });
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
