import {
  DEFAULT_MAX_SESSION_HOURS,
  FUTURE_TOLERANCE_MS,
  type SessionIssue,
  type ValidationPolicy,
  validateSession,
} from '../../src/domain';
import { at } from '../support/arbitraries';

const NOW = at('2025-03-09T12:00:00Z');
const callable: ValidationPolicy = { nowMs: NOW, maxSessionHours: DEFAULT_MAX_SESSION_HOURS, futureToleranceMs: FUTURE_TOLERANCE_MS };
const valid = { startTime: '2025-03-09T10:00:00Z', endTime: '2025-03-09T10:30:00Z', timezone: 'America/New_York' };
const codes = (issues: SessionIssue[]): string[] => issues.map((issue) => `${issue.field}:${issue.code}`);

function issuesOf(input: Partial<typeof valid> & Record<string, unknown>, policy: ValidationPolicy = callable): string[] {
  const result = validateSession({ ...valid, ...input }, policy);
  return result.ok ? [] : codes(result.issues);
}

describe('validateSession', () => {
  it('accepts a well-formed session and returns it in epoch ms', () => {
    expect(validateSession(valid, callable)).toEqual({
      ok: true,
      session: { startMs: at('2025-03-09T10:00:00Z'), endMs: at('2025-03-09T10:30:00Z'), timeZone: 'America/New_York' },
    });
  });

  it('accepts epoch milliseconds and mixed notations', () => {
    expect(issuesOf({ startTime: at('2025-03-09T10:00:00Z') as never, endTime: '2025-03-09T05:30:00-05:00' })).toEqual([]);
  });

  it('accepts time zone aliases', () => {
    expect(issuesOf({ timezone: 'Asia/Calcutta' })).toEqual([]);
    expect(issuesOf({ timezone: 'US/Eastern' })).toEqual([]);
  });

  it('rejects a start before 2000-01-01T00:00:00Z, whatever the notation, and accepts that instant itself', () => {
    const secondsAsMs = Math.floor(at('2025-03-09T10:00:00Z') / 1000);
    expect(issuesOf({ startTime: secondsAsMs as never, endTime: (secondsAsMs + 1_800_000) as never })).toEqual(['startTime:before_2000']);
    expect(issuesOf({ startTime: '1999-12-31T23:59:59.999Z', endTime: '2000-01-01T00:30:00Z' })).toEqual(['startTime:before_2000']);
    expect(issuesOf({ startTime: '0001-01-01T00:00:00Z', endTime: '0001-01-01T00:30:00Z' })).toEqual(['startTime:before_2000']);
    // Local-mean-time era (Europe/Paris kept Paris mean time until 1911).
    expect(issuesOf({ startTime: '1890-06-01T10:00:00+00:09', endTime: '1890-06-01T11:00:00+00:09', timezone: 'Europe/Paris' })).toEqual(['startTime:before_2000']);
    expect(issuesOf({ startTime: '2000-01-01T00:00:00Z', endTime: '2000-01-01T00:30:00Z' })).toEqual([]);
  });

  it('rejects a session that ends before it starts', () => {
    expect(issuesOf({ endTime: '2025-03-09T09:59:59Z' })).toEqual(['endTime:end_not_after_start']);
  });

  it('rejects a session that ends when it starts', () => {
    expect(issuesOf({ endTime: valid.startTime })).toEqual(['endTime:end_not_after_start']);
  });

  it('allows a session of exactly 24 hours', () => {
    expect(issuesOf({ startTime: '2025-03-08T10:00:00Z', endTime: '2025-03-09T10:00:00Z' })).toEqual([]);
  });

  it('rejects a session of 24 hours and 1 ms', () => {
    expect(issuesOf({ startTime: '2025-03-08T10:00:00Z', endTime: '2025-03-09T10:00:00.001Z' })).toEqual(['endTime:too_long']);
  });

  it('measures duration in real time, not wall-clock time, across a DST change', () => {
    // 2025-03-09 in New York lasts 23 hours: midnight to midnight is within the limit.
    expect(issuesOf({ startTime: '2025-03-09T00:00:00-05:00', endTime: '2025-03-10T00:00:00-04:00' }, { ...callable, nowMs: at('2025-03-11T00:00:00Z') })).toEqual([]);
  });

  it('honours a configured maximum', () => {
    expect(issuesOf({ endTime: '2025-03-09T11:00:00.001Z' }, { ...callable, maxSessionHours: 1 })).toEqual(['endTime:too_long']);
  });

  it('allows an end up to 5 minutes in the future', () => {
    expect(issuesOf({ endTime: '2025-03-09T12:05:00Z' })).toEqual([]);
  });

  it('rejects an end more than 5 minutes in the future', () => {
    expect(issuesOf({ endTime: '2025-03-09T12:05:00.001Z' })).toEqual(['endTime:in_future']);
  });

  it('skips the future check when the tolerance is Infinity (backfill)', () => {
    expect(issuesOf({ startTime: '2030-01-01T00:00:00Z', endTime: '2030-01-01T01:00:00Z' }, { ...callable, futureToleranceMs: Infinity })).toEqual([]);
  });

  it('defaults to 24 hours and 5 minutes when the policy gives only now', () => {
    expect(issuesOf({ startTime: '2025-03-08T10:00:00Z', endTime: '2025-03-09T10:00:00.001Z' }, { nowMs: NOW })).toEqual(['endTime:too_long']);
    expect(issuesOf({ endTime: '2025-03-09T12:05:00.001Z' }, { nowMs: NOW })).toEqual(['endTime:in_future']);
  });

  it.each([
    ['unparsable', 'noon'],
    ['without an offset', '2025-03-09T10:00:00'],
    ['not a real date', '2025-02-30T10:00:00Z'],
    ['missing', undefined],
    ['a fractional number', 1.5],
  ])('rejects a startTime that is %s', (_what, startTime) => {
    expect(issuesOf({ startTime } as never)).toEqual(['startTime:invalid_time']);
  });

  it.each([['unknown', 'Mars/Olympus'], ['an offset', '+05:00'], ['empty', ''], ['missing', undefined]])(
    'rejects a timezone that is %s',
    (_what, timezone) => {
      expect(issuesOf({ timezone } as never)).toEqual(['timezone:invalid_timezone']);
    },
  );

  it('reports every issue at once', () => {
    expect(issuesOf({ startTime: 'soon', endTime: '2025-03-10T00:00:00Z', timezone: 'Mars/Olympus' })).toEqual([
      'startTime:invalid_time',
      'endTime:in_future',
      'timezone:invalid_timezone',
    ]);
    expect(issuesOf({ startTime: '2025-03-01T00:00:00Z', endTime: '2025-03-10T00:00:00Z' })).toEqual(['endTime:too_long', 'endTime:in_future']);
    expect(issuesOf({ startTime: undefined, endTime: undefined, timezone: undefined } as never)).toEqual([
      'startTime:invalid_time',
      'endTime:invalid_time',
      'timezone:invalid_timezone',
    ]);
  });

  it('explains each issue in words a person can act on', () => {
    const result = validateSession({ startTime: 'x', endTime: '2025-03-10T00:00:00Z', timezone: '+05:00' }, callable);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.message)).toEqual([
      'startTime must be an ISO-8601 string with an offset (e.g. 2025-03-09T06:30:00Z) or integer epoch milliseconds',
      'endTime may be at most 5 minutes in the future',
      'timezone must be an IANA time zone name such as Europe/Paris',
    ]);
  });
});
