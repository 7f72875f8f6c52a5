import { streakEventAttributes, type StreakEvent } from '../contract/streakEvent';
import type { PublishContext, StreakPublisher } from './publisher';

/** The part of a @google-cloud/pubsub Topic the publisher uses; tests pass a fake. */
export interface PublishingTopic {
  publishMessage(message: { data: Buffer; attributes: Record<string, string>; orderingKey: string }): Promise<string>;
  resumePublishing(orderingKey: string): void;
}

export interface PubSubPublisherOptions {
  topic: string;
  projectId?: string;
}

interface SharedTopic {
  topic: PublishingTopic;
  close(): Promise<void>;
}

const topics = new Map<string, Promise<SharedTopic>>();

/** One client and topic per process: the client batches and keeps its gRPC channel warm. */
async function sharedTopic(options: PubSubPublisherOptions): Promise<PublishingTopic> {
  const key = `${options.projectId ?? ''}/${options.topic}`;
  let shared = topics.get(key);
  if (!shared) {
    shared = (async () => {
      // Loaded on first publish, not at import: it is heavy and most cold starts never publish.
      const { PubSub } = await import('@google-cloud/pubsub');
      const client = new PubSub(options.projectId ? { projectId: options.projectId } : {});
      // No topic.get/create: the topic is provisioned at deploy time (docs/operations.md), never from here.
      const topic = client.topic(options.topic, { messageOrdering: true, batching: { maxMilliseconds: 10 } });
      return { topic, close: () => client.close() };
    })();
    topics.set(key, shared);
    shared.catch(() => topics.delete(key));
  }
  return (await shared).topic;
}

/** Flushes and closes the shared Pub/Sub clients (tests, scripts that exit). */
export async function closePubSubPublishers(): Promise<void> {
  const open = [...topics.values()];
  topics.clear();
  await Promise.all(open.map(async (shared) => (await shared).close()));
}

/**
 * Publishes streak-updated events (the topic's contract): data = the event as JSON, attributes {userId, version}
 * and, when the change has a trace, traceparent (W3C), which the projector logs under,
 * ordering key = userId so one user's versions arrive in order when the subscription orders them.
 */
export function createPubSubPublisher(
  options: PubSubPublisherOptions,
  loadTopic: (options: PubSubPublisherOptions) => Promise<PublishingTopic> = sharedTopic,
): StreakPublisher {
  return {
    enabled: true,
    async publish(event: StreakEvent, context: PublishContext = {}): Promise<void> {
      const topic = await loadTopic(options);
      try {
        await topic.publishMessage({
          data: Buffer.from(JSON.stringify(event)),
          attributes: { ...streakEventAttributes(event), ...(context.traceparent ? { traceparent: context.traceparent } : {}) },
          orderingKey: event.userId,
        });
      } catch (error) {
        // With ordering keys, one failure pauses the key until resumed; the outbox retries it later.
        topic.resumePublishing(event.userId);
        throw error;
      }
    },
  };
}
