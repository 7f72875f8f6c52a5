import { z } from 'zod';
import { rollUpSessionHours, sessionHoursSince, sessionTotalsBySource } from '../../../functions/src/db/sessionHours';
import { floorHour, HOUR_MS, iso, type StatusContext } from './statusContext';

/** The sources every figure lists, even at 0; any other source found is listed after them. */
export const KNOWN_SOURCES = ['callable', 'bridge', 'backfill'] as const;
export const HOURLY_DAYS = 14;
const HOURS = HOURLY_DAYS * 24;

const bySource = z.record(z.number().int().min(0));
export const sessionsSchema = z.object({
  /** Every source seen, the known ones first. */
  sources: z.array(z.string()),
  /** Sessions stored per source since the beginning (as they arrived: sessions deleted later stay counted). */
  bySource,
  /** Per source, the last 24 hourly buckets (the current hour and the 23 before). */
  last24h: bySource,
  /** Per source, the start of the latest hour that has a session of it (null: none yet). */
  lastHour: z.record(z.string().nullable()),
  /** One entry per UTC hour of the last 14 days, oldest first, the current hour last: {hour, <source>: sessions…}. */
  hourly: z.array(z.object({ hour: z.string() }).catchall(z.number().int().min(0))),
});
export type SessionsStatus = z.infer<typeof sessionsSchema>;
export type HourlyEntry = { hour: string } & Record<string, number | string>;

/** Sessions by source: totals, the last day and 14 days of hours, from the hourly rollup (kept current first, unless read-only). */
export async function readSessions(ctx: StatusContext): Promise<SessionsStatus> {
  if (ctx.writes) await rollUpSessionHours(ctx.db.pool);
  const firstHourMs = floorHour(ctx.nowMs) - (HOURS - 1) * HOUR_MS;
  const hours = await sessionHoursSince(ctx.db.pool, firstHourMs);
  const totals = await sessionTotalsBySource(ctx.db.pool);
  const seen = new Set<string>([...totals.map((t) => t.source), ...hours.map((h) => h.source)]);
  const sources = [...KNOWN_SOURCES, ...[...seen].filter((s) => !(KNOWN_SOURCES as readonly string[]).includes(s)).sort()];
  const zero = () => Object.fromEntries(sources.map((s) => [s, 0])) as Record<string, number>;

  const hourly: HourlyEntry[] = Array.from({ length: HOURS }, (_, i) => ({ hour: iso(firstHourMs + i * HOUR_MS), ...zero() }));
  for (const h of hours) {
    const entry = hourly[Math.round((h.hourMs - firstHourMs) / HOUR_MS)];
    // Rows of a later hour than now (a clock ahead of the database's) have no bucket yet.
    if (entry) entry[h.source] = (entry[h.source] as number) + h.sessions;
  }
  const last24h = zero();
  for (const entry of hourly.slice(-24)) for (const s of sources) last24h[s] = (last24h[s] as number) + (entry[s] as number);
  const all = zero();
  const lastHour: Record<string, string | null> = Object.fromEntries(sources.map((s) => [s, null]));
  for (const t of totals) {
    all[t.source] = t.sessions;
    lastHour[t.source] = iso(t.lastHourMs);
  }
  return { sources, bySource: all, last24h, lastHour, hourly: hourly as SessionsStatus['hourly'] };
}
