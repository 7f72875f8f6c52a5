import { randomBytes } from 'node:crypto';

/** A new backfill run id: sortable by start time, unique across machines. */
export function newRunId(now: Date = new Date()): string {
  return `bf-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}
