import type { CallableRequest } from 'firebase-functions/https';
import { newTrace, traceFromHeaders } from '../observability/trace';
import { runWithTrace } from '../observability/traceContext';

/**
 * Runs a callable's work in the trace of its request: the one Cloud Functions passes in `traceparent`
 * or `X-Cloud-Trace-Context` (its lines then group under the platform's request in Cloud Logging), or a
 * new one when the request has none or a malformed one.
 */
export function inRequestTrace<T>(request: Pick<CallableRequest<unknown>, 'rawRequest'>, work: () => Promise<T>): Promise<T> {
  const headers = (request.rawRequest as { headers?: Record<string, string | string[] | undefined> } | undefined)?.headers;
  return runWithTrace(traceFromHeaders(headers) ?? newTrace(), work);
}
