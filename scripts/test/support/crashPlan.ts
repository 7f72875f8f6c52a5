import type { Checkpoints } from '../../lib/backfill/runBackfill';

/**
 * BACKFILL_CRASH_AT=inside:N kills the process inside batch N's transaction (before commit),
 * between:N right after batch N committed, rebuild:N after the N-th rebuild chunk. The kill is
 * SIGKILL, like an OOM kill or a lost VM: no finally blocks, no graceful shutdown. With
 * BACKFILL_CRASH_SIGNAL=SIGTERM (or SIGINT) the process gets that signal instead, as from an operator.
 */
export function crashPlanFromEnv(value = process.env.BACKFILL_CRASH_AT, signal = process.env.BACKFILL_CRASH_SIGNAL ?? 'SIGKILL'): Checkpoints {
  const match = /^(inside|between|rebuild):(\d+)$/.exec(value ?? '');
  if (!match) return { at: () => {} };
  const [, point, n] = match;
  return {
    at(p, i) {
      if (p === point && i === Number(n)) process.kill(process.pid, signal as NodeJS.Signals);
    },
  };
}
