import { parseInstant } from '../domain';

/**
 * Epoch ms from every time encoding legacy documents use: a Firestore Timestamp
 * (anything with toMillis()), `{seconds, nanoseconds}` or `{_seconds, _nanoseconds}` as JSON
 * exports write them, an ISO-8601 string with an offset, or integer epoch ms. Null otherwise.
 */
export function legacyInstant(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return parseInstant(value);
  if (typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.toMillis === 'function') {
    const ms = (v.toMillis as () => unknown)();
    return typeof ms === 'number' && Number.isFinite(ms) ? Math.floor(ms) : null;
  }
  const seconds = v.seconds ?? v._seconds;
  const nanos = v.nanoseconds ?? v._nanoseconds ?? 0;
  if (!isWhole(seconds) || !isWhole(nanos) || nanos < 0 || nanos >= 1e9) return null;
  // Whole ms: the domain counts ms, and Firestore's sub-ms digits carry no focus time.
  return parseInstant(seconds * 1000 + Math.floor(nanos / 1e6));
}

const isWhole = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
