import type { Runtime } from '../runtime';
import type { CallContext } from './logs';

/**
 * Every mutating callable runs its work through here, after auth and validation and before it
 * touches anything: the one place for per-user checks of mutations (the per-user rate limit goes here).
 */
export async function mutatingCall<T>(_runtime: Runtime, _context: CallContext & { uid: string }, work: () => Promise<T>): Promise<T> {
  return work();
}
