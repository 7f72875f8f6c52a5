import type { CommonQueryMethods } from 'slonik';
import type { LegacySessionMirror } from '../firebase/legacySessionMirror';
import { backoffDelayMs, type BackoffOptions } from '../outbox/backoff';
import { logs } from './logs';
import { newTrace } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';

export interface MirrorOptions {
  /** Rows claimed per batch (one Firestore batch each). */
  batchSize?: number;
  /** How long claimed rows are reserved; must outlast one batch's write. */
  leaseMs?: number;
  /** Stop starting new batches after this long (keep below the function timeout); the next run goes on. */
  timeBudgetMs?: number;
  backoff?: BackoffOptions;
}

export interface MirrorSummary {
  claimed: number;
  written: number;
  failed: number;
  /** Mirrors written for sessions a deletion removed meanwhile, deleted again. */
  compensated: number;
  durationMs: number;
}

const MIRROR_BACKOFF: BackoffOptions = { baseMs: 30_000, maxMs: 60 * 60_000 };

/**
 * One pass of the reverse mirror: claims due legacy_mirror rows, writes their sessions to legacy
 * Firestore sessions/{docId}, marks them mirrored, and backs off a batch whose write failed. A row
 * that vanished before it was marked (its user was deleted meanwhile, after the deletion's own
 * Firestore step perhaps) gets its document deleted again, so a deletion is never undone.
 */
export async function mirrorLegacySessions(db: CommonQueryMethods, mirror: LegacySessionMirror, options: MirrorOptions = {}): Promise<MirrorSummary> {
  const { claimMirrorRows, markMirrored, markMirrorFailed } = await import('../db/legacyMirror');
  const { sessionKeyOf } = await import('../db/focusSessions');
  const batchSize = options.batchSize ?? 200;
  const timeBudgetMs = options.timeBudgetMs ?? 40_000;
  const started = Date.now();
  const summary: MirrorSummary = { claimed: 0, written: 0, failed: 0, compensated: 0, durationMs: 0 };
  while (Date.now() - started < timeBudgetMs) {
    const rows = await claimMirrorRows(db, batchSize, options.leaseMs ?? 60_000);
    summary.claimed += rows.length;
    if (rows.length === 0) break;
    try {
      await mirror.write(rows);
    } catch (error) {
      const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
      const retryInMs = backoffDelayMs(attempts, options.backoff ?? MIRROR_BACKOFF);
      const message = (error as Error).message ?? String(error);
      logs.writeFailed({ sessions: rows.length, attempts, retryInMs, error: message });
      await markMirrorFailed(db, rows.map((r) => ({ key: r, retryInMs: backoffDelayMs(r.attempts + 1, options.backoff ?? MIRROR_BACKOFF) })), message);
      summary.failed += rows.length;
      break;
    }
    const marked = new Set((await markMirrored(db, rows)).map(sessionKeyOf));
    const vanished = rows.filter((r) => !marked.has(sessionKeyOf(r)));
    if (vanished.length > 0) {
      await mirror.remove(vanished);
      logs.compensated({ sessions: vanished.length });
    }
    summary.written += rows.length - vanished.length;
    summary.compensated += vanished.length;
    if (rows.length < batchSize) break;
  }
  summary.durationMs = Date.now() - started;
  return summary;
}

/**
 * mirrorLegacySessions: the scheduled job of the reverse mirror (MIRROR_TO_LEGACY). It runs whether or
 * not the mirror is on: rows queued while it was on still get written after it is turned off, and each
 * run records the param's value for the status.
 */
export function handleMirrorLegacySessions(): Promise<void> {
  // Each pass its own trace: its lines group in Cloud Logging.
  return runWithTrace(newTrace(), mirrorPass);
}

async function mirrorPass(): Promise<void> {
  // Loaded here, not at import: slonik and firebase-admin are heavy and every function loads index.js.
  const { getRuntime } = await import('../runtime');
  const { recordMirrorPass } = await import('../db/legacyMirror');
  const runtime = await getRuntime();
  if (!runtime.config.google.firestore) {
    logs.passSkipped({ reason: 'no Firestore emulator host or credentials' });
    return;
  }
  const { createLegacySessionMirror } = await import('../firebase/legacySessionMirror');
  const summary = await mirrorLegacySessions(runtime.db.pool, await createLegacySessionMirror(runtime.config));
  const { claimed, written, failed, compensated } = summary;
  await recordMirrorPass(runtime.db.pool, runtime.config.mirrorToLegacy, { claimed, written, failed, compensated });
  if (summary.claimed > 0) logs.passCompleted(summary);
}
