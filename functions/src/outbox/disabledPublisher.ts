import { PublishingDisabledError } from './errors';
import { logs } from './logs';
import type { StreakPublisher } from './publisher';

let announced = false;

/**
 * Stands in for Pub/Sub where no real client may be built (it would probe the metadata server):
 * says so once per process,
 * then every row stays in the outbox for a relay that can publish.
 */
export function createDisabledPublisher(reason: string): StreakPublisher {
  if (!announced) {
    announced = true;
    logs.publishingDisabled(reason);
  }
  return {
    enabled: false,
    publish: () => Promise.reject(new PublishingDisabledError(reason)),
  };
}
