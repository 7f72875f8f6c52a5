import type { DatabasePool } from 'slonik';
import { DatabaseUnavailableError } from './errors';

// slonik queues a caller for a pooled connection without a time limit, so with every connection busy
// a request waited until the function timeout. The gate admits at most `size` pool calls at once (the
// pool's own size, so slonik never queues) and fails a caller still waiting after `timeoutMs`; a
// caller that gave up leaves the queue and never reaches the database.

const GATED = new Set(['any', 'anyFirst', 'exists', 'many', 'manyFirst', 'maybeOne', 'maybeOneFirst', 'one', 'oneFirst', 'query', 'stream', 'transaction', 'connect']);

export function gateAcquire(pool: DatabasePool, size: number, timeoutMs: number): DatabasePool {
  let busy = 0;
  const waiting: Array<() => void> = [];

  const admit = (): Promise<void> => {
    if (busy < size) {
      busy++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        busy++;
        resolve();
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(grant), 1);
        reject(new DatabaseUnavailableError(`No pooled connection became free within ${timeoutMs} ms.`));
      }, timeoutMs);
      waiting.push(grant);
    });
  };
  const leave = () => {
    busy--;
    waiting.shift()?.();
  };

  return new Proxy(pool, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !GATED.has(property) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await admit();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          leave();
        }
      };
    },
  });
}
