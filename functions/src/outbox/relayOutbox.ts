import type { DatabasePool } from 'slonik';
import { backoffDelayMs, defaultBackoff, type BackoffOptions } from './backoff';
import { logs } from './logs';
import { claimBatch, settleRows, type ClaimedBatchRow, type Settlement } from '../db/streakOutbox';
import { isPublishingEnabled, type StreakPublisher } from './publisher';
import { publishPayload } from './publishPayload';
import { parseTraceparent } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';

export interface RelayOptions {
  /** Due rows claimed per batch (each batch also takes the rest of those users' due rows). */
  batchSize?: number;
  /** Upper bound on batches per pass, so one invocation always ends. */
  maxBatches?: number;
  /** Stop starting new batches after this long (keep below the function timeout). */
  timeBudgetMs?: number;
  /** Wait for one acknowledgement at most this long. */
  publishTimeoutMs?: number;
  /** How long claimed rows are reserved; must outlast publishTimeoutMs plus settling. */
  leaseMs?: number;
  backoff?: BackoffOptions;
}

export interface RelaySummary {
  /** False when publishing is off here and nothing was claimed. */
  enabled: boolean;
  batches: number;
  claimed: number;
  published: number;
  superseded: number;
  failed: number;
  durationMs: number;
}

/**
 * One relay pass over the streak outbox: claims due rows in bounded batches, publishes only the
 * newest version of each user, marks it published after the acknowledgement and its older rows
 * superseded, and backs off users whose publish failed. Safe to run concurrently with other
 * passes and with publishOutboxRow: claims skip locked and leased rows.
 */
export async function relayOutbox(pool: DatabasePool, publisher: StreakPublisher, options: RelayOptions = {}): Promise<RelaySummary> {
  const batchSize = options.batchSize ?? 100;
  const maxBatches = options.maxBatches ?? 50;
  const timeBudgetMs = options.timeBudgetMs ?? 40_000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? Math.max(60_000, publishTimeoutMs * 3);
  const backoff = options.backoff ?? defaultBackoff;
  const started = Date.now();
  const summary: RelaySummary = { enabled: true, batches: 0, claimed: 0, published: 0, superseded: 0, failed: 0, durationMs: 0 };
  if (!isPublishingEnabled(publisher)) return { ...summary, enabled: false };

  while (summary.batches < maxBatches && Date.now() - started < timeBudgetMs) {
    const rows = await claimBatch(pool, batchSize, leaseMs);
    if (rows.length === 0) break;
    summary.batches++;
    summary.claimed += rows.length;
    const settlements = (await Promise.all([...groupByUser(rows).values()].map((userRows) => inRowTrace(userRows, () => relayUser(userRows))))).flat();
    await settleRows(pool, settlements);
    for (const s of settlements) {
      if (s.outcome === 'published') summary.published++;
      else if (s.outcome === 'superseded') summary.superseded++;
      else if (s.error !== null) summary.failed++;
    }
  }
  summary.durationMs = Date.now() - started;
  return summary;

  async function relayUser(userRows: ClaimedBatchRow[]): Promise<Settlement[]> {
    const newest = userRows[userRows.length - 1];
    const older = userRows.slice(0, -1);
    const supersede = (rows: ClaimedBatchRow[]): Settlement[] => rows.map((r) => ({ id: r.id, outcome: 'superseded' }));
    // A newer version already went out (e.g. publishOutboxRow won a race): nothing left to say.
    if (newest.publishedVersion !== null && newest.publishedVersion >= newest.version) return supersede(userRows);

    const fail = (error: string): Settlement[] => {
      const attempts = newest.attempts + 1;
      const retryInMs = backoffDelayMs(attempts, backoff);
      logs.relayPublishFailed(newest.userId, newest.version, attempts, error);
      // Older rows wait with the newest, or the next batch would publish a stale version instead.
      return [{ id: newest.id, outcome: 'failed', error, retryInMs }, ...older.map((r): Settlement => ({ id: r.id, outcome: 'failed', error: null, retryInMs }))];
    };
    const error = await publishPayload(publisher, newest.id, newest.payload, publishTimeoutMs, newest.trace);
    if (error !== null) return fail(error);
    logs.rowPublished(newest.id, newest.userId, newest.version, 'relay');
    return [{ id: newest.id, outcome: 'published' }, ...supersede(older)];
  }
}

/** A user's publish logs under the trace of the change it carries (its newest row's), else the pass's. */
function inRowTrace<T>(userRows: ClaimedBatchRow[], work: () => Promise<T>): Promise<T> {
  const trace = parseTraceparent(userRows[userRows.length - 1]!.trace);
  return trace ? runWithTrace(trace, work) : work();
}

function groupByUser(rows: readonly ClaimedBatchRow[]): Map<string, ClaimedBatchRow[]> {
  // Rows arrive ordered by (user, version), so each group ends with the user's newest claimed row.
  const groups = new Map<string, ClaimedBatchRow[]>();
  for (const row of rows) {
    const group = groups.get(row.userId);
    if (group) group.push(row);
    else groups.set(row.userId, [row]);
  }
  return groups;
}
