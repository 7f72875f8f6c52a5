import { acceptFocusSessionRequestSchema, issuesFromZod, prototypeKeyIssues, type FieldIssue } from '../contract/callables';
import { validateSession, type SessionTimes, type ValidationPolicy } from '../domain';

export type ParsedAcceptRequest = { ok: true; sessionId: string; session: SessionTimes } | { ok: false; issues: FieldIssue[] };

/**
 * Shape (zod) and meaning (domain) checked together, so one answer lists every bad field:
 * a field with a shape problem is not reported a second time by the domain.
 */
export function parseAcceptRequest(data: unknown, policy: ValidationPolicy, rawData?: unknown): ParsedAcceptRequest {
  const shape = acceptFocusSessionRequestSchema.safeParse(data);
  const zodIssues = shape.success ? [] : issuesFromZod(shape.error);
  const shapeIssues = [...zodIssues, ...prototypeKeyIssues(data, rawData).filter((i) => !zodIssues.some((z) => z.field === i.field))];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, issues: shapeIssues };
  const raw = data as Record<string, unknown>;
  const meaning = validateSession({ startTime: raw.startTime, endTime: raw.endTime, timezone: raw.timezone }, policy);
  const flagged = new Set(shapeIssues.map((i) => i.field));
  const meaningIssues = meaning.ok ? [] : meaning.issues.filter((i) => !flagged.has(i.field));
  const issues = [...shapeIssues, ...meaningIssues];
  if (!shape.success || !meaning.ok || issues.length > 0) return { ok: false, issues };
  return { ok: true, sessionId: shape.data.sessionId, session: meaning.session };
}
