import { z } from 'zod';
import type { Status } from './readStatus';

/**
 * The conditions of `--fail-on`: the status exits 1 when any of them holds, so a scheduler can alert.
 * A condition with a threshold is written `name>N` (`name` alone means `name>0`). A condition whose
 * section could not be read holds: an alert must not go quiet because its figure is missing.
 */
interface ConditionSpec {
  description: string;
  threshold: boolean;
  /** Why it holds, or null when it does not. */
  check(status: Status, threshold: number): string | null;
}

const unread = (section: string) => `the ${section} section could not be read`;

export const CONDITIONS: Record<string, ConditionSpec> = {
  'pending-migrations': {
    description: 'migrations of sql/ are not applied',
    threshold: false,
    check: (s) => (!s.migrations ? unread('migrations') : s.migrations.pending > 0 ? `${s.migrations.pending} migrations pending` : null),
  },
  mismatch: {
    description: 'the last verify found mismatches or missing users, or the last projection pass a different projection',
    threshold: false,
    check: (s) => {
      if (!s.verify || !s.parity) return unread(!s.verify ? 'verify' : 'parity');
      if (s.verify.mismatches > 0) return `the last verify found ${s.verify.mismatches} mismatches or missing users`;
      return s.parity.projection.different > 0 ? `the last projection pass found ${s.parity.projection.different} projections different at the same version` : null;
    },
  },
  'stale-verify': {
    description: 'no verify yet, or the last one is over 24 h old',
    threshold: false,
    check: (s) => (!s.verify ? unread('verify') : s.verify.lastAt === null ? 'no verify stored yet' : s.verify.stale ? `the last verify is ${Math.round((s.verify.ageSeconds ?? 0) / 3600)} h old` : null),
  },
  stalled: {
    description: 'a running backfill run made no progress for 10 minutes',
    threshold: false,
    check: (s) => {
      if (!s.backfill) return unread('backfill');
      const stalled = s.backfill.runs.filter((r) => r.stalled).map((r) => r.id);
      return stalled.length ? `stalled runs: ${stalled.join(', ')}` : null;
    },
  },
  'failed-run': {
    description: 'a listed backfill run failed or was interrupted (and was not resumed to completion)',
    threshold: false,
    check: (s) => {
      if (!s.backfill) return unread('backfill');
      const failed = s.backfill.runs.filter((r) => r.status === 'failed' || r.status === 'interrupted').map((r) => `${r.id} (${r.status})`);
      return failed.length ? `runs: ${failed.join(', ')}` : null;
    },
  },
  'outbox-pending': {
    description: 'more than N streak versions wait in the outbox',
    threshold: true,
    check: (s, t) => (!s.outbox ? unread('outbox') : s.outbox.pending > t ? `${s.outbox.pending} pending` : null),
  },
  'outbox-age': {
    description: 'the oldest pending outbox row is more than N seconds old',
    threshold: true,
    check: (s, t) => (!s.outbox ? unread('outbox') : (s.outbox.oldestPendingSeconds ?? 0) > t ? `the oldest pending row is ${s.outbox.oldestPendingSeconds} s old` : null),
  },
  rejects: {
    description: 'the bridge rejected more than N legacy documents in the last 24 h',
    threshold: true,
    check: (s, t) => {
      if (!s.rejects) return unread('rejects');
      const total = Object.values(s.rejects.last24h).reduce((a, b) => a + b, 0);
      return total > t ? `${total} bridge rejects in the last 24 h` : null;
    },
  },
  missing: {
    description: 'the last ingest pass found more than N legacy sessions SQL lacked (events the bridge lost)',
    threshold: true,
    check: (s, t) => (!s.parity ? unread('parity') : s.parity.ingest.missing > t ? `the last ingest pass found ${s.parity.ingest.missing} missing` : null),
  },
  behind: {
    description: 'the last projection pass found more than N projections behind past the threshold',
    threshold: true,
    check: (s, t) => (!s.parity ? unread('parity') : s.parity.projection.behind > t ? `${s.parity.projection.behind} projections behind` : null),
  },
  different: {
    description: 'the last projection pass found more than N projections different from SQL at the same version',
    threshold: true,
    check: (s, t) => (!s.parity ? unread('parity') : s.parity.projection.different > t ? `${s.parity.projection.different} projections different` : null),
  },
  'mirror-lag': {
    description: 'the oldest callable session waiting for the reverse mirror is more than N seconds old',
    threshold: true,
    check: (s, t) => (!s.mirror ? unread('mirror') : s.mirror.lagSeconds > t ? `legacy Firestore lacks sessions for ${s.mirror.lagSeconds} s (${s.mirror.pending} pending)` : null),
  },
  'parity-age': {
    description: 'no reconcile pass of either kind in the last N seconds',
    threshold: true,
    check: (s, t) => {
      if (!s.parity) return unread('parity');
      const ages = [s.parity.ingest.ageSeconds, s.parity.projection.ageSeconds];
      return ages.some((a) => a === null || a > t) ? `the last passes are ${ages.map((a) => (a === null ? 'missing' : `${a} s old`)).join(' and ')}` : null;
    },
  },
};

export interface Condition {
  name: string;
  threshold: number;
  /** As given, for messages. */
  text: string;
}

const NAMES = Object.keys(CONDITIONS);
const conditionSchema = z.string().transform((text, ctx): Condition => {
  const match = /^([a-z-]+)(?:>(\d+))?$/.exec(text.trim());
  const spec = match ? CONDITIONS[match[1] as string] : undefined;
  if (!match || !spec) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `--fail-on: unknown condition ${JSON.stringify(text)}; conditions: ${NAMES.map((n) => (CONDITIONS[n]!.threshold ? `${n}[>N]` : n)).join(', ')}` });
    return z.NEVER;
  }
  const threshold = match[2] === undefined ? 0 : Number(match[2]);
  if (match[2] !== undefined && !spec.threshold) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `--fail-on: ${match[1]} takes no threshold, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  if (!Number.isSafeInteger(threshold)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `--fail-on: the threshold of ${match[1]} must be a whole number, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return { name: match[1] as string, threshold, text: text.trim() };
});

/** Parses `--fail-on` values (each may hold several, comma-separated): the conditions, or every bad one at once. */
export function parseConditions(values: readonly string[]): { ok: true; conditions: Condition[] } | { ok: false; problems: string[] } {
  const parts = values.flatMap((v) => v.split(',')).filter((v) => v.trim() !== '');
  if (parts.length === 0) return { ok: false, problems: ['--fail-on needs at least one condition'] };
  const parsed = z.array(conditionSchema).safeParse(parts);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => i.message) };
  return { ok: true, conditions: parsed.data };
}

/** The conditions that hold, each with why. */
export function failingConditions(status: Status, conditions: readonly Condition[]): Array<{ condition: string; why: string }> {
  return conditions.flatMap((c) => {
    const why = CONDITIONS[c.name]!.check(status, c.threshold);
    return why === null ? [] : [{ condition: c.text, why }];
  });
}
