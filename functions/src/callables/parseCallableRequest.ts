import { HttpsError } from 'firebase-functions/https';
import type { z } from 'zod';
import { issuesFromZod } from '../contract/callables';
import { logs, type CallContext } from './logs';

const MAX_ISSUES = 100;

/**
 * The request checked against its contract schema, or `invalid-argument` with every bad field in
 * `details.issues` (at most 100), logged once. A missing body is an empty object.
 */
export function parseCallableRequest<S extends z.ZodTypeAny>(schema: S, data: unknown, context: CallContext): z.output<S> {
  const parsed = schema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const issues = issuesFromZod(parsed.error);
  logs.requestRejected(context, issues);
  throw new HttpsError('invalid-argument', `The ${context.fn} request is invalid; see details.issues.`, { issues: issues.slice(0, MAX_ISSUES) });
}
