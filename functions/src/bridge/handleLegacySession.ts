import { ingestLegacySession, legacyUserTimeZone, type IngestOptions, type IngestOutcome, type LegacyWriter } from '../ingest/ingestLegacySession';
import { newTrace, traceFromKey } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';
import { getRuntime, type Runtime } from '../runtime';
import { isTransient } from './isTransient';
import { logs } from './logs';

/**
 * What the trigger hands over: the created document, the event's time, and who wrote it where the
 * platform says (firebase-functions v2, onDocumentCreatedWithAuthContext: authType, authId).
 */
export interface LegacySessionEvent extends LegacyWriter {
  /** The CloudEvent's id: the same on every retry of the event, so its trace is derived from it. */
  id?: string;
  params: { sessionId: string };
  data?: { data(): unknown; ref: { path: string; delete?(): Promise<unknown> } };
  time?: string;
}

export type BridgeOutcome = IngestOutcome | { status: 'dropped' };

export interface BridgeDependencies extends Pick<IngestOptions, 'legacyUserTimeZone'> {
  runtime(): Promise<Runtime>;
}

/** Beyond this age a failing event stops being retried (Firestore would retry for 7 days). */
export const MAX_RETRY_AGE_MS = 24 * 3_600_000;

/**
 * A legacy app wrote sessions/{id}: send it through the write path (source 'bridge'), as the
 * callable would (the reverse mirror's own copies are ignored), under the writer's per-user `bridge` rate limit. Bad data is logged and stored in
 * backfill_rejects (run_id null), never retried: a document whose writer is not its userId
 * (user_mismatch, where the event names the writer), over the limit (rate_limited), or of a deleted
 * user (deleted_user: the document is deleted too). A transient failure (database unreachable, a
 * transient Firestore status, a missing configuration) throws so the event is retried, until it is
 * MAX_RETRY_AGE_MS old.
 */
export function handleLegacySession(event: LegacySessionEvent, deps: BridgeDependencies = defaultDependencies): Promise<BridgeOutcome> {
  // The trigger has no request header: a trace of the event's own, the same for each of its retries.
  const trace = event.id ? traceFromKey(`firestore-event:${event.id}`) : newTrace();
  return runWithTrace(trace, () => bridgeEvent(event, deps));
}

async function bridgeEvent(event: LegacySessionEvent, deps: BridgeDependencies): Promise<BridgeOutcome> {
  const path = event.data?.ref.path ?? `sessions/${event.params.sessionId}`;
  let nowMs = Date.now();
  try {
    const runtime = await deps.runtime();
    nowMs = runtime.now();
    return await ingestLegacySession(runtime, { path, sessionId: event.params.sessionId, data: event.data?.data(), ref: event.data?.ref }, {
      legacyUserTimeZone: deps.legacyUserTimeZone,
      writer: event,
      rateLimited: true,
    });
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

const defaultDependencies: BridgeDependencies = { runtime: getRuntime, legacyUserTimeZone };
