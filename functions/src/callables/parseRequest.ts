import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import type { z } from 'zod';
import { invalidArgumentDetails, issuesFromZod, prototypeKeyIssues, type FieldIssue } from '../contract/callables';
import { logs, type CallContext } from './logs';

// The one request parser of every callable: the strict contract schema (unknown fields refused), an
// own `__proto__` key in the decoded data or in the body as it came over the wire, then the request's
// meaning for the fields its shape did not already flag; every issue at once, capped (MAX_ISSUES).

export type CheckedRequest<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/**
 * Every problem of `data` against `schema`. `rawBody`: the request's data as the HTTP body held it
 * (see rawData). `meaning`: checks beyond the shape (the domain's, a cursor's), run on the data as
 * given; an issue of a field the shape already flagged is not reported twice.
 */
export function checkRequest<S extends z.ZodTypeAny>(schema: S, data: unknown, rawBody: unknown, meaning: (data: unknown) => FieldIssue[] = () => []): CheckedRequest<z.output<S>> {
  const parsed = schema.safeParse(data);
  const zodIssues = parsed.success ? [] : issuesFromZod(parsed.error);
  const shape = [...zodIssues, ...prototypeKeyIssues(data, rawBody).filter((i) => !zodIssues.some((z) => z.field === i.field))];
  const flagged = new Set(shape.map((i) => i.field));
  const issues = [...shape, ...meaning(data).filter((i) => !flagged.has(i.field))];
  return parsed.success && issues.length === 0 ? { ok: true, value: parsed.data } : { ok: false, issues };
}

/**
 * The request checked (checkRequest; a missing body is an empty object), or `invalid-argument` with
 * every issue in `details.issues` (at most MAX_ISSUES, `omittedIssues` for the rest), logged once.
 */
export function parseRequest<S extends z.ZodTypeAny>(schema: S, request: CallableRequest<unknown>, context: CallContext, meaning?: (data: unknown) => FieldIssue[]): z.output<S> {
  const checked = checkRequest(schema, request.data ?? {}, rawData(request), meaning);
  if (checked.ok) return checked.value;
  logs.requestRejected(context, checked.issues);
  throw new HttpsError('invalid-argument', `The ${context.fn} request is invalid; see details.issues.`, invalidArgumentDetails(checked.issues));
}

/** The request's data as the HTTP body held it, before the SDK copied it (see prototypeKeyIssues). */
export function rawData(request: CallableRequest<unknown>): unknown {
  const body = (request.rawRequest as { body?: unknown } | undefined)?.body;
  return typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
}
