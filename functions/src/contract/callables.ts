import { z } from 'zod';
import { DAY_START_STEP_MINUTES, MAX_DAY_START_MINUTES } from '../domain/dayStart';

// The callable API, a contract the apps depend on: the one place app teams and tests read requests, responses and errors.

export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** An instant: ISO-8601 with an offset (or Z), or epoch milliseconds. Meaning is checked by the domain. */
const instantInput = z.union([z.string().max(64), z.number()]);

export const acceptFocusSessionRequestSchema = z
  .object({
    sessionId: z.string().max(128).regex(SESSION_ID_PATTERN, 'must be 1–128 characters of A–Z, a–z, 0–9, _ or -'),
    startTime: instantInput,
    endTime: instantInput,
    timezone: z.string().max(64),
  })
  .strict();
export type AcceptFocusSessionRequest = z.infer<typeof acceptFocusSessionRequestSchema>;

export const getMyStreakRequestSchema = z.object({}).strict();
export type GetMyStreakRequest = z.infer<typeof getMyStreakRequestSchema>;

export const streakSchema = z.object({
  userId: z.string(),
  currentStreak: z.number().int().min(0),
  longestStreak: z.number().int().min(0),
  lastQualifiedDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
  qualifiedDaysCount: z.number().int().min(0),
  timezone: z.string().nullable(),
  streakExpiresAt: z.string().datetime({ offset: true }).nullable(),
  version: z.number().int().min(0),
});
export type Streak = z.infer<typeof streakSchema>;

export const acceptFocusSessionResponseSchema = z.object({ accepted: z.boolean(), streak: streakSchema });
export type AcceptFocusSessionResponse = z.infer<typeof acceptFocusSessionResponseSchema>;

export const getMyStreakResponseSchema = streakSchema.extend({
  active: z.boolean(),
  /** Freezes held now. */
  freezesAvailable: z.number().int().min(0),
  /** Dates of the current run a freeze covered, ascending, at most 31. */
  frozenDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).max(31),
  /** Minutes after local midnight the caller's dates begin, as last set (setDayStart). */
  dayStartMinutes: z.number().int().min(0).max(MAX_DAY_START_MINUTES),
});
export type GetMyStreakResponse = z.infer<typeof getMyStreakResponseSchema>;

/** `details` of an `invalid-argument` error: every bad field with a stable code and a reason. */
export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}
export interface InvalidArgumentDetails {
  /** At most MAX_ISSUES entries. */
  issues: FieldIssue[];
  /** How many issues were left out of `issues`; absent when none were. */
  omittedIssues?: number;
}

export const MAX_ISSUES = 100;

/** `details` of an invalid-argument answer: the first MAX_ISSUES issues and how many were left out. */
export function invalidArgumentDetails(issues: readonly FieldIssue[]): InvalidArgumentDetails {
  if (issues.length <= MAX_ISSUES) return { issues: [...issues] };
  return { issues: issues.slice(0, MAX_ISSUES), omittedIssues: issues.length - MAX_ISSUES };
}

/**
 * An own `__proto__` key (JSON.parse makes one) is an unknown field like any other. The callable SDK
 * copies the body into a fresh object, where that key sets the prototype instead of a field, so the
 * raw body is checked, and a decoded object with a foreign prototype tells the same story.
 */
export function prototypeKeyIssues(decoded: unknown, rawBody?: unknown): FieldIssue[] {
  const hasOwn = (o: unknown) => typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, '__proto__');
  const proto = typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded) ? Object.getPrototypeOf(decoded) : Object.prototype;
  if (hasOwn(rawBody) || hasOwn(decoded) || (proto !== Object.prototype && proto !== null)) {
    return [{ field: '__proto__', code: 'unknown_field', message: 'is not part of this request' }];
  }
  return [];
}

/** Stable codes for shape problems; the domain's codes (invalid_time, too_long, …) cover meaning. */
export function issuesFromZod(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const field = issue.path.length ? issue.path.join('.') : '(request)';
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ field: key, code: 'unknown_field', message: 'is not part of this request' }));
      case 'invalid_type':
        return issue.received === 'undefined'
          ? [{ field, code: 'required', message: 'is required' }]
          : [{ field, code: 'invalid_type', message: `must be ${issue.expected}, got ${issue.received}` }];
      case 'invalid_union':
        return [{ field, code: 'invalid_type', message: 'must be an ISO-8601 string with an offset or epoch milliseconds' }];
      case 'too_big':
        return [{ field, code: issue.type === 'number' ? 'out_of_range' : 'too_long', message: issue.message }];
      case 'too_small':
        return [{ field, code: issue.type === 'number' ? 'out_of_range' : 'too_short', message: issue.message }];
      case 'invalid_enum_value':
        return [{ field, code: 'invalid_value', message: `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}` }];
      case 'invalid_string':
        return [{ field, code: 'invalid_format', message: issue.message }];
      case 'not_multiple_of':
        return [{ field, code: 'not_multiple_of', message: issue.message }];
      default:
        return [{ field, code: 'invalid', message: issue.message }];
    }
  });
}

// Friends and leaderboards. A friend is named by their Firebase Auth uid.
// PostgreSQL text cannot hold U+0000: such an id would fail in SQL (internal) instead of at the edge.
const friendIdSchema = z.string().min(1).max(128).regex(/^[^\u0000]*$/, 'must not contain the character U+0000');

export const addFriendRequestSchema = z.object({ friendId: friendIdSchema }).strict();
export type AddFriendRequest = z.infer<typeof addFriendRequestSchema>;
export const addFriendResponseSchema = z.object({ friendId: z.string(), status: z.enum(['requested', 'friends']), friends: z.number().int().min(0) });
export type AddFriendResponse = z.infer<typeof addFriendResponseSchema>;

export const removeFriendRequestSchema = z.object({ friendId: friendIdSchema }).strict();
export type RemoveFriendRequest = z.infer<typeof removeFriendRequestSchema>;
export const removeFriendResponseSchema = z.object({ friendId: z.string(), status: z.literal('none'), friends: z.number().int().min(0) });
export type RemoveFriendResponse = z.infer<typeof removeFriendResponseSchema>;

export const getFriendsRequestSchema = z.object({}).strict();
export type GetFriendsRequest = z.infer<typeof getFriendsRequestSchema>;
export const getFriendsResponseSchema = z.object({
  friends: z.array(z.object({ userId: z.string(), since: z.string().datetime() })),
  incoming: z.array(z.object({ userId: z.string(), requestedAt: z.string().datetime() })),
  outgoing: z.array(z.object({ userId: z.string(), requestedAt: z.string().datetime() })),
});
export type GetFriendsResponse = z.infer<typeof getFriendsResponseSchema>;

export const LEADERBOARD_DEFAULT_LIMIT = 50;
export const LEADERBOARD_MAX_LIMIT = 100;
export const getFriendsLeaderboardRequestSchema = z
  .object({
    limit: z.number().int().min(1).max(LEADERBOARD_MAX_LIMIT).default(LEADERBOARD_DEFAULT_LIMIT),
    by: z.enum(['streak', 'weekFocus']).default('streak'),
  })
  .strict();
export type GetFriendsLeaderboardRequest = z.input<typeof getFriendsLeaderboardRequestSchema>;
export const leaderboardEntrySchema = z.object({
  userId: z.string(),
  rank: z.number().int().min(1),
  currentStreak: z.number().int().min(0),
  longestStreak: z.number().int().min(0),
  active: z.boolean(),
  weekFocusMinutes: z.number().int().min(0),
});
export const getFriendsLeaderboardResponseSchema = z.object({
  by: z.enum(['streak', 'weekFocus']),
  weekStart: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  entries: z.array(leaderboardEntrySchema),
});
export type GetFriendsLeaderboardResponse = z.infer<typeof getFriendsLeaderboardResponseSchema>;

// A personal day start: from the caller's next date on, each of their dates begins this many minutes
// after local midnight (a night owl's 01:30 session counts for the evening before). Dates already begun
// keep their start, so setting it never moves a session the streak has already counted.
export const setDayStartRequestSchema = z
  .object({
    minutes: z
      .number()
      .int()
      .min(0)
      .max(MAX_DAY_START_MINUTES)
      .multipleOf(DAY_START_STEP_MINUTES, `must be a multiple of ${DAY_START_STEP_MINUTES}`),
  })
  .strict();
export type SetDayStartRequest = z.infer<typeof setDayStartRequestSchema>;
export const setDayStartResponseSchema = z.object({
  dayStartMinutes: z.number().int().min(0).max(MAX_DAY_START_MINUTES),
  /** The caller's first date that begins at dayStartMinutes: their next date when they called. */
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export type SetDayStartResponse = z.infer<typeof setDayStartResponseSchema>;

// A user's own data. exportMyData pages sessions with an opaque cursor (nextCursor of the previous page).
export const exportMyDataRequestSchema = z.object({ cursor: z.string().min(1).max(512).optional() }).strict();
export type ExportMyDataRequest = z.infer<typeof exportMyDataRequestSchema>;
export const exportedSessionSchema = z.object({
  sessionId: z.string(),
  startTime: z.string().datetime(),
  endTime: z.string().datetime(),
  timezone: z.string(),
  source: z.enum(['callable', 'bridge', 'backfill']),
  createdAt: z.string().datetime(),
});
/**
 * A freeze grant, repair, day-start change or revocation recorded for the caller (who recorded it stays
 * with the operators). `count`: freezes granted; `minutes`: a day start's; `date`: the date a grant or a
 * day start takes effect from, or the date repaired.
 */
export const exportedAdjustmentSchema = z.object({
  adjustmentId: z.string(),
  kind: z.enum(['grant-freezes', 'repair', 'day-start', 'revoke']),
  count: z.number().int().nullable(),
  minutes: z.number().int().nullable(),
  date: z.string().nullable(),
  revokes: z.string().nullable(),
  revokedBy: z.string().nullable(),
  reason: z.string(),
  createdAt: z.string().datetime(),
});
export const exportMyDataResponseSchema = z.object({
  userId: z.string(),
  exportedAt: z.string().datetime(),
  streak: streakSchema,
  /** Ids and times only: nothing about another user beyond who they are to the caller. */
  friends: getFriendsResponseSchema,
  /** At most 1,000 per page, in (startTime, sessionId) order. */
  sessions: z.array(exportedSessionSchema),
  /** Every adjustment of the caller's streak, oldest first (on every page, as friends are). */
  adjustments: z.array(exportedAdjustmentSchema),
  nextCursor: z.string().nullable(),
});
export type ExportMyDataResponse = z.infer<typeof exportMyDataResponseSchema>;

export const deleteMyDataRequestSchema = z.object({ confirm: z.literal(true) }).strict();
export type DeleteMyDataRequest = z.infer<typeof deleteMyDataRequestSchema>;
export const deleteMyDataResponseSchema = z.object({
  deleted: z.object({
    sessions: z.number().int().min(0),
    days: z.number().int().min(0),
    friendships: z.number().int().min(0),
    requests: z.number().int().min(0),
  }),
});
export type DeleteMyDataResponse = z.infer<typeof deleteMyDataResponseSchema>;
