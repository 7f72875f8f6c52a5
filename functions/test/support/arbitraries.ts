import fc from 'fast-check';
import { type SessionTimes, offsetMsAt } from '../../src/domain';

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Zones with odd offsets, DST at or across midnight, 30-minute DST, date-line jumps and fall-backs over midnight. */
export const TRICKY_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Paris',
  'Europe/London',
  'Europe/Dublin', // negative DST in tzdata
  'Australia/Lord_Howe', // 30-minute DST
  'Australia/Adelaide',
  'Australia/Eucla', // +08:45
  'Asia/Kathmandu', // +05:45
  'Asia/Kolkata',
  'Asia/Calcutta', // alias
  'Asia/Tehran',
  'Pacific/Kiritimati', // +14
  'Pacific/Chatham', // +12:45 / +13:45
  'Pacific/Marquesas', // −09:30
  'Pacific/Pago_Pago', // −11
  'Pacific/Apia', // skipped 2011-12-30 entirely
  'Pacific/Tongatapu',
  'America/St_Johns', // −03:30; fell back across midnight until 2011
  'America/Goose_Bay',
  'America/Santiago', // DST at midnight
  'America/Havana', // DST at midnight
  'America/Sao_Paulo', // DST at midnight until 2019
  'America/Asuncion',
  'Africa/Cairo', // DST at midnight, fall-back at 24:00
  'Africa/Casablanca', // Ramadan transitions
  'Asia/Gaza',
  'Antarctica/Casey', // fell back three hours across midnight in 2010
  'Antarctica/Troll', // two-hour DST
  // Zones with summer time that PostgreSQL also reads as fixed-offset abbreviations: stored as Europe/Brussels, Europe/Athens, Europe/Lisbon.
  'CET',
  'EET',
  'MET',
  'WET',
] as const;

export const zoneArb = fc.constantFrom(...TRICKY_ZONES);

export const FROM_MS = Date.UTC(2000, 0, 1);
export const TO_MS = Date.UTC(2036, 0, 1);

const transitionCache = new Map<string, number[]>();

const WEEK_MS = 7 * DAY_MS;

/** The instants in a year where the zone's UTC offset changes (found by weekly steps, then to the ms). */
export function transitionsIn(zone: string, year: number): number[] {
  const key = `${zone} ${year}`;
  let found = transitionCache.get(key);
  if (found === undefined) {
    found = [];
    const end = Date.UTC(year + 1, 0, 1);
    let previous = offsetMsAt(Date.UTC(year, 0, 1), zone);
    for (let t = Date.UTC(year, 0, 1) + WEEK_MS; t < end + WEEK_MS; t += WEEK_MS) {
      const offset = offsetMsAt(t, zone);
      if (offset === previous) continue;
      let low = t - WEEK_MS;
      let high = t;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetMsAt(middle, zone) === previous) low = middle;
        else high = middle;
      }
      found.push(high);
      previous = offset;
    }
    transitionCache.set(key, found);
  }
  return found;
}

/** Uniform over 2000–2035 half of the time; otherwise within a day and a half of an offset change of the zone. */
export const instantInArb = (zone: string): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: FROM_MS, max: TO_MS }),
    fc
      .record({ year: fc.integer({ min: 2000, max: 2035 }), pick: fc.nat(), shift: fc.integer({ min: -36 * HOUR_MS, max: 12 * HOUR_MS }) })
      .map(({ year, pick, shift }) => {
        const transitions = transitionsIn(zone, year);
        const around = transitions.length === 0 ? Date.UTC(year, 5, 1) : (transitions[pick % transitions.length] as number);
        return around + shift;
      }),
  );

export const instantArb = fc.integer({ min: FROM_MS, max: TO_MS });

/** A zone with an instant that is often close to one of its offset changes. */
export const zonedInstantArb = zoneArb.chain((zone) => instantInArb(zone).map((ms) => ({ zone, ms })));

/** Durations of 0–24 h, weighted towards the 30-minute threshold and whole days. */
export const durationArb = fc.oneof(
  fc.integer({ min: 0, max: DAY_MS }),
  fc.integer({ min: 25 * 60_000, max: 35 * 60_000 }),
  fc.integer({ min: 20 * HOUR_MS, max: DAY_MS }),
);

export const sessionArb: fc.Arbitrary<SessionTimes> = fc
  .record({ at: zonedInstantArb, durationMs: durationArb })
  .map(({ at: { zone, ms }, durationMs }) => ({ startMs: ms, endMs: ms + durationMs, timeZone: zone }));

/**
 * One user's history: sessions clustered within a couple of weeks (so days qualify, runs form and gaps get
 * bridged), zones drawn from a few per user, each at least 1 ms long, some sent twice.
 */
export const historyArb: fc.Arbitrary<SessionTimes[]> = fc
  .record({
    base: zonedInstantArb,
    more: fc.array(zoneArb, { maxLength: 2 }),
    drafts: fc.array(
      fc.record({
        offsetMs: fc.integer({ min: 0, max: 14 * DAY_MS }),
        durationMs: fc.oneof(
          fc.integer({ min: 1, max: DAY_MS }),
          fc.integer({ min: 1, max: 2 * HOUR_MS }),
          fc.integer({ min: 29 * 60_000, max: 31 * 60_000 }),
        ),
        zoneIndex: fc.nat(),
        copies: fc.constantFrom(1, 1, 1, 2),
      }),
      { minLength: 1, maxLength: 14 },
    ),
  })
  .map(({ base, more, drafts }) => {
    const baseMs = base.ms - 7 * DAY_MS;
    const zones = [base.zone, ...more];
    return drafts.flatMap(({ offsetMs, durationMs, zoneIndex, copies }) => {
      const session = {
        startMs: baseMs + offsetMs,
        endMs: baseMs + offsetMs + durationMs,
        timeZone: zones[zoneIndex % zones.length] as string,
      };
      return Array.from({ length: copies }, () => ({ ...session }));
    });
  });

/** A history with an arrival order: a permutation drawn alongside it. */
export const arrivalArb = historyArb.chain((sessions) =>
  fc.shuffledSubarray(sessions, { minLength: sessions.length, maxLength: sessions.length }).map((order) => ({ sessions, order })),
);

/** Parses an ISO instant with an offset; the tests' own notation for wall-clock facts. */
export const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};

export const iso = (ms: number): string => new Date(ms).toISOString();
