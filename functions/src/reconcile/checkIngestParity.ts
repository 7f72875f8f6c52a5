import { SAMPLE_MAX, type ParityPass, type ParitySample } from '../db/parityPasses';
import { isMirroredSession } from '../legacy/mirroredSession';
import type { Runtime } from '../runtime';
import type { LegacySessionDoc, LegacySessionWindow } from './legacySessionWindow';
import { logs } from './logs';

/** Documents read per page: one SQL lookup of their keys per page. */
const PAGE_SIZE = 500;
/** A first pass (none before it) looks back over the bridge's own retry window. */
export const FIRST_LOOKBACK_MS = 24 * 3_600_000;

export interface IngestParityOptions {
  /** Where the previous pass's window ended (null: no pass yet). */
  previousWindowToMs: number | null;
  marginMs: number;
  settleMs: number;
  /** Stop reading new pages after this long; the next pass goes on from where this one stopped. */
  timeBudgetMs: number;
  /** The bridge's ingest of one document (ingest/ingestLegacySession). */
  ingest(runtime: Runtime, legacy: { path: string; sessionId: string; data: unknown }): Promise<{ status: 'accepted' | 'duplicate' | 'rejected' | 'mirrored' }>;
}

/**
 * Ingest parity: reads the legacy sessions created in [previous end − margin, now − settle) and sends
 * every one SQL has neither stored nor refused through the bridge's ingest (idempotent, no rate limit,
 * deleted users refused there). A document that fails transiently ends the window before it, so the
 * next pass reads it again. Returns the pass to record.
 */
export async function checkIngestParity(runtime: Runtime, legacy: LegacySessionWindow, options: IngestParityOptions): Promise<ParityPass> {
  const [{ storedSessions, sessionKeyOf }, { bridgeRejectedPaths }] = await Promise.all([import('../db/focusSessions'), import('../db/backfillRejects')]);
  const startedAtMs = runtime.now();
  const toMs = startedAtMs - options.settleMs;
  const fromMs = Math.min(options.previousWindowToMs === null ? startedAtMs - FIRST_LOOKBACK_MS : options.previousWindowToMs - options.marginMs, toMs);
  const counts = { checked: 0, missing: 0, ingested: 0, duplicates: 0, rejected: 0, failed: 0 };
  const samples: ParitySample[] = [];
  let windowToMs = toMs;
  let after: LegacySessionDoc | null = null;

  for (;;) {
    if (runtime.now() - startedAtMs > options.timeBudgetMs) {
      // Out of time: the window ends at the last document read, and the next pass starts there.
      if (after) windowToMs = Math.min(windowToMs, after.createdAtMs);
      break;
    }
    const page = await legacy.page({ fromMs, toMs }, after, PAGE_SIZE);
    if (page.length === 0) break;
    after = page[page.length - 1]!;
    counts.checked += page.length;
    const owner = (data: Record<string, unknown>) => (typeof data.userId === 'string' ? data.userId : null);
    const keys = page.flatMap((d) => (owner(d.data) ? [{ userId: owner(d.data)!, sessionId: d.id }] : []));
    const stored = new Set((await storedSessions(runtime.db.pool, keys)).map(sessionKeyOf));
    const refused = await bridgeRejectedPaths(runtime.db.pool, page.map((d) => d.path));
    for (const doc of page) {
      const userId = owner(doc.data);
      // The reverse mirror's copies are SQL's own sessions, under ids of their own.
      if (isMirroredSession(doc.data)) continue;
      if (refused.has(doc.path) || (userId && stored.has(sessionKeyOf({ userId, sessionId: doc.id })))) continue;
      counts.missing += 1;
      let outcome: string;
      try {
        const result = await options.ingest(runtime, { path: doc.path, sessionId: doc.id, data: doc.data });
        outcome = result.status;
        if (result.status === 'accepted') counts.ingested += 1;
        else if (result.status === 'duplicate') counts.duplicates += 1;
        else counts.rejected += 1;
      } catch (error) {
        outcome = 'failed';
        counts.failed += 1;
        logs.ingestFailed({ path: doc.path, error: (error as Error).message ?? String(error) });
        windowToMs = Math.min(windowToMs, doc.createdAtMs);
      }
      if (samples.length < SAMPLE_MAX) samples.push({ userId: userId ?? '', finding: 'missing', detail: { path: doc.path, createdAt: new Date(doc.createdAtMs).toISOString(), outcome } });
    }
    if (page.length < PAGE_SIZE) break;
  }
  return { kind: 'ingest', startedAtMs, windowFromMs: fromMs, windowToMs, counts, samples };
}
