import type { Config } from '../config';
import { createDisabledPublisher } from './disabledPublisher';
import { createPubSubPublisher } from './pubSubPublisher';
import type { StreakPublisher } from './publisher';

/**
 * The Pub/Sub publisher where a real client may be built (emulator host or real credentials),
 * else one that leaves rows in the outbox: a Google client here would probe the metadata server.
 */
export function createPublisher(config: Pick<Config, 'google' | 'streakTopic'>): StreakPublisher {
  if (!config.google.pubsub) {
    return createDisabledPublisher('no PUBSUB_EMULATOR_HOST and no real credentials (or a demo- project)');
  }
  return createPubSubPublisher({ topic: config.streakTopic, projectId: config.google.projectId });
}
