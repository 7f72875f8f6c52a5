import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { invalidArgumentDetails, type AcceptFocusSessionResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import { logs } from './logs';
import { parseAcceptRequest } from './parseAcceptRequest';
import { rawData } from './parseRequest';
import { rateLimitFor } from '../config';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';
import { inRequestTrace } from './inRequestTrace';

/** acceptFocusSession: stores one focus session of the caller and returns the updated streak. */
export function handleAcceptFocusSession(request: CallableRequest<unknown>, response?: { signal?: AbortSignal }): Promise<AcceptFocusSessionResponse> {
  return inRequestTrace(request, () => untraced(request, response));
}

async function untraced(request: CallableRequest<unknown>, response?: { signal?: AbortSignal }): Promise<AcceptFocusSessionResponse> {
  const uid = requireAuth(request, 'acceptFocusSession');
  const context = { fn: 'acceptFocusSession', uid, sessionId: loggableSessionId(request.data) };
  try {
    const [{ config, db, publisher, now }, { acceptSession }, { toApiStreak }] = await Promise.all([
      getRuntime(),
      import('../accept/acceptSession'),
      import('../accept/toStreak'),
    ]);
    const parsed = parseAcceptRequest(request.data, { nowMs: now(), maxSessionHours: config.maxSessionHours }, rawData(request));
    if (!parsed.ok) {
      logs.sessionRejected(context, parsed.issues);
      throw new HttpsError('invalid-argument', 'The focus session is invalid; see details.issues.', invalidArgumentDetails(parsed.issues));
    }
    const result = await acceptSession(
      db.pool,
      { userId: uid, sessionId: parsed.sessionId, session: parsed.session, source: 'callable' },
      // The rate limit's token is taken inside the accept's one statement: no extra round trip.
      {
        qualifySeconds: config.qualifySeconds, freezeCap: config.freezeCap, publish: { publisher, timeoutMs: config.publishTimeoutMs },
        rateLimit: rateLimitFor(config, 'acceptFocusSession'), maxQueueWaitMs: config.database.acquireTimeoutMs,
        // The way back: with MIRROR_TO_LEGACY the session is queued for legacy Firestore in the same transaction.
        mirror: config.mirrorToLegacy,
        // The client hung up: stop before the statement rather than work for nobody.
        signal: response?.signal,
      },
    );
    if (result.accepted) logs.sessionAccepted(context, { version: result.streak.version, outboxId: result.outboxId, committedAt: result.streak.updatedAt });
    else logs.sessionDuplicate(context);
    return { accepted: result.accepted, streak: toApiStreak(uid, result.streak) };
  } catch (error) {
    throw toHttpsError(error, context);
  }
}

function loggableSessionId(data: unknown): string | undefined {
  const id = (data as { sessionId?: unknown } | null)?.sessionId;
  return typeof id === 'string' ? id.slice(0, 128) : undefined;
}
