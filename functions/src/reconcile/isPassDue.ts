const MINUTE_MS = 60_000;

/**
 * Whether the scheduler tick of `scheduleTimeMs` (it fires every minute) runs a pass: on every
 * minute of the clock that is a multiple of `everyMinutes` (0: never). Cloud Scheduler's schedule
 * cannot be bound to a param, so the param decides here, with no state to keep.
 */
export function isPassDue(scheduleTimeMs: number, everyMinutes: number): boolean {
  if (everyMinutes <= 0 || !Number.isFinite(scheduleTimeMs)) return false;
  return Math.round(scheduleTimeMs / MINUTE_MS) % everyMinutes === 0;
}
