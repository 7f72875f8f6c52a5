/** A calendar date as a wall clock shows it, 'YYYY-MM-DD'. Compares correctly as a string. */
export type LocalDate = string;

const DAY_MS = 86_400_000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WALL_CLOCK = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;
const MAX_CACHED_ZONES = 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    // Zone names come from users; case variants of one name must not grow the cache forever.
    if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

// Howard Hinnant's days_from_civil: exact for every proleptic Gregorian year, unlike Date.UTC for years < 100.
function epochDayFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromEpochDay(epochDay: number): [number, number, number] {
  const z = epochDay + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day];
}

function daysInMonth(year: number, month: number): number {
  return epochDayFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - epochDayFromCivil(year, month, 1);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function localDateOfEpochDay(epochDay: number): LocalDate {
  const [year, month, day] = civilFromEpochDay(epochDay);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function epochDayOf(date: LocalDate): number {
  if (!isLocalDate(date)) throw new RangeError(`not a local date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return epochDayFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string') return false;
  const match = LOCAL_DATE.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return localDateOfEpochDay(epochDayOf(date) + days);
}

/** b − a in calendar days. */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return epochDayOf(b) - epochDayOf(a);
}

/** The instant 00:00Z of that date: the date's wall clock read as if it were UTC. */
export function utcMidnightOf(date: LocalDate): number {
  return epochDayOf(date) * DAY_MS;
}

/** The wall clock reading at an instant, expressed as ms since 1970-01-01T00:00 on that wall clock. */
function wallClockMs(instantMs: number, timeZone: string): number {
  if (!Number.isFinite(instantMs)) throw new RangeError(`not an instant: ${instantMs}`);
  const text = formatterFor(timeZone).format(instantMs);
  const match = WALL_CLOCK.exec(text);
  if (match === null) throw new RangeError(`unsupported instant ${instantMs} in ${timeZone}: ${text}`);
  const epochDay = epochDayFromCivil(Number(match[3]), Number(match[1]), Number(match[2]));
  const secondOfDay = Number(match[4]) * 3600 + Number(match[5]) * 60 + Number(match[6]);
  const msOfSecond = ((instantMs % 1000) + 1000) % 1000;
  return epochDay * DAY_MS + secondOfDay * 1000 + msOfSecond;
}

/** Wall clock minus UTC at that instant; keeps seconds (local mean time offsets such as −4:42:46). */
export function offsetMsAt(instantMs: number, timeZone: string): number {
  return wallClockMs(instantMs, timeZone) - instantMs;
}

/** The date a wall clock in that zone shows at that instant. */
export function localDateOf(instantMs: number, timeZone: string): LocalDate {
  return localDateOfEpochDay(Math.floor(wallClockMs(instantMs, timeZone) / DAY_MS));
}

