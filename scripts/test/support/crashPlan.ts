/**
 * Test hook: BACKFILL_CRASH_AT=inside:N kills the process inside batch N's transaction (before
 * commit), between:N right after batch N committed, rebuild:N after the N-th rebuild chunk. The
 * kill is SIGKILL, like an OOM kill or a lost VM: no finally blocks, no graceful shutdown.
 */
export type CrashPoint = 'inside' | 'between' | 'rebuild';

export interface CrashPlan {
  at(point: CrashPoint, n: number): void;
}

export function crashPlanFromEnv(value = process.env.BACKFILL_CRASH_AT): CrashPlan {
  const match = /^(inside|between|rebuild):(\d+)$/.exec(value ?? '');
  if (!match) return { at: () => {} };
  const [, point, n] = match;
  return {
    at(p, i) {
      if (p === point && i === Number(n)) process.kill(process.pid, 'SIGKILL');
    },
  };
}
