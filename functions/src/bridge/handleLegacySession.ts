import { parseLegacyPath, parseLegacySession, type Reject } from '../legacy';
import { getRuntime, type Runtime } from '../runtime';
import { isTransient } from './isTransient';
import { logs } from './logs';

/** What the trigger hands over: the created document and the event's time (firebase-functions v2). */
export interface LegacySessionEvent {
  params: { sessionId: string };
  data?: { data(): unknown; ref: { path: string } };
  time?: string;
}

export type BridgeOutcome =
  | { status: 'accepted' | 'duplicate'; sessionId: string; userId: string }
  | { status: 'rejected'; reason: Reject['reason'] }
  | { status: 'dropped' };

export interface BridgeDependencies {
  runtime(): Promise<Runtime>;
  /** The zone of legacy users/{uid}, for documents without their own. */
  legacyUserTimeZone(runtime: Runtime, userId: string): Promise<string | null>;
}

/** Beyond this age a failing event stops being retried (Firestore would retry for 7 days). */
export const MAX_RETRY_AGE_MS = 24 * 3_600_000;

/**
 * A legacy app wrote sessions/{id}: send it through the write path (source 'bridge'), as the
 * callable would. Bad data is logged and stored in backfill_rejects (run_id null), never retried;
 * a transient failure (database unreachable, a transient Firestore status, a missing configuration)
 * throws so the event is retried, until it is MAX_RETRY_AGE_MS old.
 */
export async function handleLegacySession(event: LegacySessionEvent, deps: BridgeDependencies = defaultDependencies): Promise<BridgeOutcome> {
  const path = event.data?.ref.path ?? `sessions/${event.params.sessionId}`;
  let nowMs = Date.now();
  try {
    const runtime = await deps.runtime();
    nowMs = runtime.now();
    return await ingestLegacySession(runtime, { path, sessionId: event.params.sessionId, data: event.data?.data() }, deps);
  } catch (error) {
    const ageMs = event.time ? nowMs - Date.parse(event.time) : 0;
    const message = (error as Error).message ?? String(error);
    if (isTransient(error) && !(ageMs > MAX_RETRY_AGE_MS)) {
      logs.retrying({ path, error: message });
      throw error;
    }
    // A bug or a database down for a day: retrying forever helps nobody; the log says how to catch up.
    logs.dropped({ path, error: message, ageMs });
    return { status: 'dropped' };
  }
}

/**
 * One legacy sessions/{id} document through the write path (source 'bridge'): the bridge trigger's
 * work, and the only way the reconcile pass ingests a document the bridge missed. Bad data becomes a
 * reject (backfill_rejects, run_id null); a transient failure throws.
 */
export async function ingestLegacySession(
  runtime: Runtime,
  legacy: { path: string; sessionId: string; data: unknown },
  deps: Pick<BridgeDependencies, 'legacyUserTimeZone'> = defaultDependencies,
): Promise<Exclude<BridgeOutcome, { status: 'dropped' }>> {
  const { path, data } = legacy;
  {
    const nowMs = runtime.now();
    const location = parseLegacyPath(path) ?? { path, id: legacy.sessionId, collection: 'sessions', parentId: null };
    const doc = (data ?? {}) as Record<string, unknown>;
    const userId = typeof doc.userId === 'string' ? doc.userId : null;
    const zone = typeof doc.timezone === 'string' && doc.timezone !== '' ? null : userId && (await deps.legacyUserTimeZone(runtime, userId));
    const parsed = parseLegacySession(location, data, {
      nowMs,
      maxSessionHours: runtime.config.maxSessionHours,
      userTimeZone: () => zone ?? undefined,
    });
    if (!parsed.ok) return await reject(runtime, parsed.reject);

    const { acceptSession } = await import('../accept/acceptSession');
    const { sessionId, userId: owner, startMs, endMs, timeZone } = parsed.session;
    try {
      const result = await acceptSession(
        runtime.db.pool,
        { userId: owner, sessionId, session: { startMs, endMs, timeZone }, source: 'bridge' },
        { qualifySeconds: runtime.config.qualifySeconds, now: runtime.now, publish: { publisher: runtime.publisher, timeoutMs: runtime.config.publishTimeoutMs } },
      );
      logs.accepted({ sessionId, userId: owner, duplicate: !result.accepted });
      return { status: result.accepted ? 'accepted' : 'duplicate', sessionId, userId: owner };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'session/unknown-timezone') {
        return await reject(runtime, { path, reason: 'invalid_timezone', detail: `time zone ${JSON.stringify(timeZone)} is not known to the database`, raw: data });
      }
      const { isDeletedUserRefusal } = await import('../db/deletedUsers');
      if (isDeletedUserRefusal(error)) {
        // Nothing of the deleted user's document is kept: the reason and the path are enough.
        return await reject(runtime, { path, reason: 'deleted_user', detail: 'the user deleted their data after this session started', raw: null });
      }
      if (code !== 'session/conflict') throw error;
      return await reject(runtime, {
        path,
        reason: 'conflict',
        detail: `session ${sessionId} is already stored with other content`,
        raw: data,
      });
    }
  }
}

async function reject(runtime: Runtime, r: Reject): Promise<{ status: 'rejected'; reason: Reject['reason'] }> {
  const { storeRejects } = await import('../db/backfillRejects');
  // run_id null: the bridge's rejects belong to no backfill run.
  await storeRejects(runtime.db.pool, null, [r]);
  logs.rejected({ path: r.path, reason: r.reason, detail: r.detail });
  return { status: 'rejected', reason: r.reason };
}

const defaultDependencies: BridgeDependencies = {
  runtime: getRuntime,
  async legacyUserTimeZone(runtime, userId) {
    // The users backfill keeps the legacy zone; before it ran, ask Firestore itself, but only where a
    // client cannot probe the metadata server (an emulator or real credentials).
    const { legacyTimeZones } = await import('../db/users');
    const stored = (await legacyTimeZones(runtime.db.pool, [userId])).get(userId);
    if (stored) return stored;
    if (!runtime.config.google.firestore) return null;
    const [{ adminFirestore }, { readLegacyUserZones }] = await Promise.all([import('../firebase/firestore'), import('../firebase/legacyUserZones')]);
    return (await readLegacyUserZones(await adminFirestore(runtime.config), [userId])).get(userId) ?? null;
  },
};
