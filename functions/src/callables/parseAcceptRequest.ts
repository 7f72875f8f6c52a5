import { acceptFocusSessionRequestSchema, type FieldIssue } from '../contract/callables';
import { validateSession, type SessionTimes, type ValidationPolicy } from '../domain';
import { checkRequest } from './parseRequest';

export type ParsedAcceptRequest = { ok: true; sessionId: string; session: SessionTimes } | { ok: false; issues: FieldIssue[] };

/**
 * The callables' request check (checkRequest) with the domain's checks as the request's meaning, so
 * one answer lists every bad field: a field with a shape problem is not reported a second time.
 */
export function parseAcceptRequest(data: unknown, policy: ValidationPolicy, rawData?: unknown): ParsedAcceptRequest {
  let session: SessionTimes | undefined;
  const checked = checkRequest(acceptFocusSessionRequestSchema, data, rawData, (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
    const raw = input as Record<string, unknown>;
    const meaning = validateSession({ startTime: raw.startTime, endTime: raw.endTime, timezone: raw.timezone }, policy);
    if (!meaning.ok) return meaning.issues;
    session = meaning.session;
    return [];
  });
  if (!checked.ok || session === undefined) return { ok: false, issues: checked.ok ? [] : checked.issues };
  return { ok: true, sessionId: checked.value.sessionId, session };
}
