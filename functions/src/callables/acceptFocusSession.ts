import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import { logger } from 'firebase-functions/logger';
import type { AcceptFocusSessionResponse } from '../contract/callables';
import { getRuntime } from '../runtime';
import { parseAcceptRequest } from './parseAcceptRequest';
import { requireAuth } from './requireAuth';
import { toHttpsError } from './toHttpsError';

/** acceptFocusSession: stores one focus session of the caller and returns the updated streak. */
export async function handleAcceptFocusSession(request: CallableRequest<unknown>): Promise<AcceptFocusSessionResponse> {
  const uid = requireAuth(request);
  const sessionId = loggableSessionId(request.data);
  try {
    const [{ config, db, publisher, now }, { acceptSession }, { publishOutboxRow }, { toStreak }] = await Promise.all([
      getRuntime(),
      import('../accept/acceptSession'),
      import('../outbox/publishOutboxRow'),
      import('../accept/toStreak'),
    ]);
    const parsed = parseAcceptRequest(request.data, { nowMs: now(), maxSessionHours: config.maxSessionHours });
    if (!parsed.ok) {
      logger.warn('session rejected: invalid argument', { fn: 'acceptFocusSession', uid, sessionId, issues: parsed.issues });
      throw new HttpsError('invalid-argument', 'The focus session is invalid; see details.issues.', { issues: parsed.issues });
    }
    const result = await acceptSession(
      db.pool,
      { userId: uid, sessionId: parsed.sessionId, session: parsed.session, source: 'callable' },
      { qualifySeconds: config.qualifySeconds, now },
    );
    if (!result.accepted) logger.info('session duplicate: already stored', { fn: 'acceptFocusSession', uid, sessionId });
    // Publishing is best effort with a bounded wait; the relay publishes whatever is left.
    if (result.outboxId) await publishOutboxRow(db.pool, publisher, result.outboxId, config.publishTimeoutMs);
    const { active: _active, ...streak } = toStreak(uid, result.streak, now());
    return { accepted: result.accepted, streak };
  } catch (error) {
    throw toHttpsError(error, { fn: 'acceptFocusSession', uid, sessionId });
  }
}

function loggableSessionId(data: unknown): string | undefined {
  const id = (data as { sessionId?: unknown } | null)?.sessionId;
  return typeof id === 'string' ? id.slice(0, 128) : undefined;
}
