import { isLocalDate, utcMidnightOf } from './localDate';

// RFC 3339 style: date, 'T', hh:mm[:ss[.fraction]], then Z or ±hh:mm (±hhmm tolerated). No offset, no instant.
const ISO_INSTANT =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

const MIN_INSTANT_MS = utcMidnightOf('0001-01-01');
const MAX_INSTANT_MS = utcMidnightOf('9999-12-31') + 86_400_000 - 1;

/**
 * Epoch ms from an ISO-8601 string with an explicit offset or Z, or from integer epoch ms.
 * Null for anything else, including impossible dates and times without an offset.
 */
export function parseInstant(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= MIN_INSTANT_MS && value <= MAX_INSTANT_MS ? value : null;
  }
  if (typeof value !== 'string') return null;
  const match = ISO_INSTANT.exec(value);
  if (match === null) return null;
  const [, date, hh, mm, ss = '0', fraction = '', zulu, sign, offsetHh = '0', offsetMm = '0'] = match;
  const hours = Number(hh);
  const minutes = Number(mm);
  const seconds = Number(ss);
  const offsetHours = Number(offsetHh);
  const offsetMinutes = Number(offsetMm);
  if (!isLocalDate(date) || hours > 23 || minutes > 59 || seconds > 59) return null;
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  // Sub-millisecond digits are truncated: the domain counts whole ms.
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const offsetMs = zulu ? 0 : (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const instant = utcMidnightOf(date) + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms - offsetMs;
  return instant >= MIN_INSTANT_MS && instant <= MAX_INSTANT_MS ? instant : null;
}
