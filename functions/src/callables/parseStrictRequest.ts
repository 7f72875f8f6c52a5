import { HttpsError, type CallableRequest } from 'firebase-functions/https';
import type { z } from 'zod';
import { invalidArgumentDetails, issuesFromZod, prototypeKeyIssues, type FieldIssue } from '../contract/callables';
import { rawData } from './acceptFocusSession';
import { logs, type CallContext } from './logs';

/**
 * The request checked against its strict contract schema, an own `__proto__` key included (in the
 * decoded body or the raw one), plus any `extra` issues of the parsed request; else `invalid-argument`
 * with every issue (capped, with omittedIssues), logged once.
 */
export function parseStrictRequest<S extends z.ZodTypeAny>(
  schema: S,
  request: CallableRequest<unknown>,
  context: CallContext,
  extra: (parsed: z.output<S>) => FieldIssue[] = () => [],
): z.output<S> {
  const parsed = schema.safeParse(request.data ?? {});
  const zodIssues = parsed.success ? [] : issuesFromZod(parsed.error);
  const protoIssues = prototypeKeyIssues(request.data, rawData(request)).filter((i) => !zodIssues.some((z) => z.field === i.field));
  const issues = [...zodIssues, ...protoIssues, ...(parsed.success ? extra(parsed.data) : [])];
  if (parsed.success && issues.length === 0) return parsed.data;
  logs.requestRejected(context, issues);
  throw new HttpsError('invalid-argument', `The ${context.fn} request is invalid; see details.issues.`, invalidArgumentDetails(issues));
}
