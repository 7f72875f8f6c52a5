import { z } from 'zod';

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

export const getMyStreakResponseSchema = streakSchema.extend({ active: z.boolean() });
export type GetMyStreakResponse = z.infer<typeof getMyStreakResponseSchema>;

/** `details` of an `invalid-argument` error: every bad field with a stable code and a reason. */
export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}
export interface InvalidArgumentDetails {
  issues: FieldIssue[];
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
        return [{ field, code: 'too_long', message: issue.message }];
      case 'invalid_string':
        return [{ field, code: 'invalid_format', message: issue.message }];
      default:
        return [{ field, code: 'invalid', message: issue.message }];
    }
  });
}
