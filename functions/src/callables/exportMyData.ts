import type { CallableRequest } from 'firebase-functions/https';
import { exportMyDataRequestSchema, type ExportMyDataResponse } from '../contract/callables';
import { logs as accountLogs } from '../account/logs';
import { getRuntime } from '../runtime';
import { decodeExportCursor, encodeExportCursor } from './exportCursor';
import { limitedCall } from './limitedCall';
import type { CallContext } from './logs';
import { parseRequest } from './parseRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/**
 * exportMyData: everything stored about the caller (streak, friends and requests by id, sessions in
 * pages of at most 1,000 with nextCursor). About other users, only the ids of friends and requests.
 */
export function handleExportMyData(request: CallableRequest<unknown>): Promise<ExportMyDataResponse> {
  return inRequestTrace(request, () => untraced(request));
}

async function untraced(request: CallableRequest<unknown>): Promise<ExportMyDataResponse> {
  const uid = requireAuth(request, 'exportMyData');
  const context: CallContext & { uid: string } = { fn: 'exportMyData', uid };
  const { cursor } = parseRequest(exportMyDataRequestSchema, request, context, (data) => {
    const given = (data as { cursor?: unknown } | null)?.cursor;
    return typeof given === 'string' && decodeExportCursor(given) === null
      ? [{ field: 'cursor', code: 'invalid_cursor', message: 'must be a nextCursor returned by exportMyData' }]
      : [];
  });
  const after = cursor === undefined ? null : decodeExportCursor(cursor);
  try {
    const [runtime, { exportSessionsPage }, { listFriends }, { readStreak }, { toApiStreak }, { listAdjustments }] = await Promise.all([
      getRuntime(),
      import('../db/accountData'),
      import('../db/friendships'),
      import('../db/userStreaks'),
      import('../accept/toStreak'),
      import('../db/streakAdjustments'),
    ]);
    const { db } = runtime;
    const nowMs = runtime.now();
    const [page, friends, stored, adjustments] = await limitedCall(runtime, context, () =>
      Promise.all([exportSessionsPage(db.pool, uid, after), listFriends(db.pool, uid), readStreak(db.pool, uid), listAdjustments(db.pool, uid)]),
    );
    const streak = toApiStreak(uid, stored);
    accountLogs.exported({ userId: uid, sessions: page.sessions.length, more: page.next !== null });
    return {
      userId: uid,
      exportedAt: new Date(nowMs).toISOString(),
      streak,
      friends,
      sessions: page.sessions,
      adjustments: adjustments.map(({ actor: _actor, ...adjustment }) => adjustment),
      nextCursor: page.next && encodeExportCursor(page.next),
    };
  } catch (error) {
    throw toHttpsError(error, context);
  }
}
