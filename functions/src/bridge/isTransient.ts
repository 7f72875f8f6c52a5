import { ConfigError } from '../config';
import { isUnavailable } from '../db/errors';

// gRPC status codes (numbers on Google client errors) and their string forms that mean "try again
// later": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE.
const TRANSIENT_GRPC_CODES = new Set<unknown>([4, 8, 10, 14, 'deadline-exceeded', 'resource-exhausted', 'aborted', 'unavailable', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED', 'UNAVAILABLE']);

/**
 * Whether a failed bridge event may succeed when retried: the database unreachable, a Firestore call
 * that failed with a transient gRPC status, or the deployment's configuration missing or invalid
 * (fixed by a redeploy; dropping the event would lose the session).
 */
export function isTransient(error: unknown): boolean {
  if (isUnavailable(error)) return true;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConfigError) return true;
    if (TRANSIENT_GRPC_CODES.has((e as { code?: unknown }).code)) return true;
  }
  return false;
}
