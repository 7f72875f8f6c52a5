import { logs } from '../bridge/logs';
import { rateLimitFor } from '../config';
import { deletedUserReject, isMirroredSession, parseLegacyPath, parseLegacySession, unknownZoneReject, type Reject } from '../legacy';
import type { Runtime } from '../runtime';
import { conflictReject } from './conflictReject';

export type IngestOutcome =
  | { status: 'accepted' | 'duplicate'; sessionId: string; userId: string }
  | { status: 'rejected'; reason: Reject['reason'] }
  | { status: 'mirrored' };

/** Who wrote a legacy document, where the platform says (firebase-functions v2 auth context). */
export interface LegacyWriter {
  authType?: string;
  authId?: string;
}

/** How one legacy document comes in: the trigger's writer and rate limit, or neither (the reconcile pass). */
export interface IngestOptions {
  /** The zone of legacy users/{uid}, for documents without their own. */
  legacyUserTimeZone(runtime: Runtime, userId: string): Promise<string | null>;
  /** Who wrote it, where the platform says (the trigger's auth context). */
  writer?: LegacyWriter;
  /** Take the owner's `bridge` rate-limit token (the trigger); the reconcile pass is exempt. */
  rateLimited?: boolean;
}

/**
 * One legacy sessions/{id} document through the write path (source 'bridge'): the bridge trigger's
 * work, and the only way the reconcile pass ingests a document the bridge missed. The reverse mirror's
 * copies are left alone; bad data becomes a reject (backfill_rejects, run_id null), a deleted user's
 * document is deleted too; a transient failure throws. The rules are those of every backfill source:
 * the same parser, the same rejects.
 */
export async function ingestLegacySession(
  runtime: Runtime,
  legacy: { path: string; sessionId: string; data: unknown; ref?: { delete?(): Promise<unknown> } },
  options: IngestOptions = { legacyUserTimeZone },
): Promise<IngestOutcome> {
  const { path, data } = legacy;
  // The reverse mirror's copy of a session SQL holds: ingesting it would loop (and count it twice).
  if (isMirroredSession(data)) {
    logs.mirrorIgnored({ path });
    return { status: 'mirrored' };
  }
  const location = parseLegacyPath(path) ?? { path, id: legacy.sessionId, collection: 'sessions', parentId: null };
  const doc = (data ?? {}) as Record<string, unknown>;
  const userId = typeof doc.userId === 'string' ? doc.userId : null;
  const zone = typeof doc.timezone === 'string' && doc.timezone !== '' ? null : userId && (await options.legacyUserTimeZone(runtime, userId));
  const parsed = parseLegacySession(location, data, {
    nowMs: runtime.now(),
    maxSessionHours: runtime.config.maxSessionHours,
    userTimeZone: () => zone ?? undefined,
  });
  if (!parsed.ok) return await reject(runtime, parsed.reject);

  const { acceptSession } = await import('../accept/acceptSession');
  const { sessionId, userId: owner, startMs, endMs, timeZone } = parsed.session;
  const author = options.writer ? writerMismatch(options.writer, owner) : null;
  if (author) return await reject(runtime, { path, reason: 'user_mismatch', detail: author, raw: data });
  try {
    const result = await acceptSession(
      runtime.db.pool,
      { userId: owner, sessionId, session: { startMs, endMs, timeZone }, source: 'bridge' },
      {
        qualifySeconds: runtime.config.qualifySeconds,
        freezeCap: runtime.config.freezeCap,
        publish: { publisher: runtime.publisher, timeoutMs: runtime.config.publishTimeoutMs },
        // The token is taken inside the accept's one statement, as the callable's is.
        rateLimit: options.rateLimited ? rateLimitFor(runtime.config, 'bridge') : undefined,
      },
    );
    logs.accepted({ sessionId, userId: owner, duplicate: !result.accepted });
    return { status: result.accepted ? 'accepted' : 'duplicate', sessionId, userId: owner };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'session/unknown-timezone') {
      return await reject(runtime, unknownZoneReject(path, timeZone, data));
    }
    const { AccountDeletedError, isDeletedUserRefusal } = await import('../db/AccountDeletedError');
    if (error instanceof AccountDeletedError || isDeletedUserRefusal(error)) {
      // Nothing of the deleted user's document is kept, in SQL or in Firestore: the reason and the path are enough.
      const detail = error instanceof AccountDeletedError ? 'the Firebase Auth account was deleted' : 'the user deleted their data after this session started';
      const outcome = await reject(runtime, deletedUserReject(path, detail));
      await legacy.ref?.delete?.();
      return outcome;
    }
    const { RateLimitedError } = await import('../db/RateLimitedError');
    if (error instanceof RateLimitedError) {
      return await reject(runtime, { path, reason: 'rate_limited', detail: `more legacy documents of this user than the bridge takes; the next one is taken in ${error.retryAfterSeconds} s`, raw: data });
    }
    if (code !== 'session/conflict') throw error;
    return await reject(runtime, conflictReject(parsed.session, null, data));
  }
}

/**
 * The legacy zone of a user: as the users backfill stored it; before it ran, from Firestore itself,
 * but only where a client cannot probe the metadata server (an emulator or real credentials).
 */
export async function legacyUserTimeZone(runtime: Runtime, userId: string): Promise<string | null> {
  const { legacyTimeZones } = await import('../db/users');
  const stored = (await legacyTimeZones(runtime.db.pool, [userId])).get(userId);
  if (stored) return stored;
  if (!runtime.config.google.firestore) return null;
  const [{ adminFirestore }, { readLegacyUserZones }] = await Promise.all([import('../firebase/firestore'), import('../firebase/legacyUserZones')]);
  return (await readLegacyUserZones(await adminFirestore(runtime.config), [userId])).get(userId) ?? null;
}

// Principals that are no end user: a server (the Admin SDK of a migration tool) or the platform itself.
const SERVER_AUTH_TYPES = new Set(['service_account', 'system', 'api_key']);

/**
 * Why the document's writer is not its owner, or null. Only where the event says who wrote it: an
 * end user (an authId that is not a server principal's) must be the document's userId, and an
 * unauthenticated write is nobody's. Without auth context (the emulator, the plain trigger) the
 * security rules (userId == request.auth.uid) remain the only binding.
 */
function writerMismatch(writer: LegacyWriter, owner: string): string | null {
  if (writer.authType === undefined || SERVER_AUTH_TYPES.has(writer.authType)) return null;
  if (writer.authType === 'unauthenticated') return 'written without signing in';
  if (writer.authId === undefined || writer.authId === owner) return null;
  return `written by another user than its userId (${writer.authType})`;
}

async function reject(runtime: Runtime, r: Reject): Promise<{ status: 'rejected'; reason: Reject['reason'] }> {
  const { storeRejects } = await import('../db/backfillRejects');
  // run_id null: the bridge's rejects belong to no backfill run.
  await storeRejects(runtime.db.pool, null, [r]);
  logs.rejected({ path: r.path, reason: r.reason, detail: r.detail });
  return { status: 'rejected', reason: r.reason };
}
