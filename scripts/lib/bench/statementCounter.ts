import type { Interceptor } from 'slonik';

/**
 * Counts the statements a pool sends (every query slonik executes, on the pool or a reserved
 * connection), in total and per user: a statement belongs to each watched user among its values.
 */
export function statementCounter() {
  const perUser = new Map<string, number>();
  let total = 0;
  const interceptor: Interceptor = {
    name: 'statement-counter',
    beforeQueryExecution(_context, query) {
      total++;
      for (const value of query.values) {
        if (typeof value === 'string' && perUser.has(value)) perUser.set(value, perUser.get(value)! + 1);
      }
      return null;
    },
  };
  return {
    interceptor,
    /** Start counting this user's statements (from zero). */
    watch(userId: string) {
      perUser.set(userId, 0);
    },
    of: (userId: string) => perUser.get(userId) ?? 0,
    get total() {
      return total;
    },
  };
}
