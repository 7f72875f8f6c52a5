import type { Database } from '../../../functions/src/db/pool';

/** What every section reader gets: the database, the instant the status is taken at, and whether it may keep its rollups. */
export interface StatusContext {
  db: Database;
  nowMs: number;
  /**
   * Whether the readers may write their rollups (the sessions' hourly counts, the outbox samples).
   * Off (`--read-only`, a read-only database user): the hours after the watermark are counted live.
   */
  writes: boolean;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));
export const HOUR_MS = 3_600_000;
export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
