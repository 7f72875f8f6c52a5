import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { readConfig } from '../../src/config';
import { createPublisher } from '../../src/outbox/createPublisher';
import { closePubSubPublishers } from '../../src/outbox/pubSubPublisher';
import { logs } from '../../src/projection/logs';
import { silenceLogs } from '../support/silenceLogs';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { streakEvent } from '../support/streakEvent';

describe('the Pub/Sub publisher against the Pub/Sub emulator', () => {
  const topicName = `streak-updated-${Date.now()}`;
  const config = readConfig({ ...process.env, STREAK_TOPIC: topicName });
  // The test provisions what the deploy steps tell operators to create; the publisher creates nothing.
  const admin = new PubSub({ projectId: config.google.projectId });
  const received: Message[] = [];
  let subscription: Subscription;

  beforeAll(async () => {
    silenceLogs(logs);
    const [topic] = await admin.createTopic(topicName);
    [subscription] = await topic.createSubscription(`${topicName}-test`, { enableMessageOrdering: true });
    subscription.on('message', (message: Message) => {
      received.push(message);
      message.ack();
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await subscription.close();
    await closePubSubPublishers();
    await admin.close();
  });

  it('publishes data, attributes and ordering key as the contract says, in order per user', async () => {
    const publisher = createPublisher(config);
    for (let v = 1; v <= 5; v++) await publisher.publish(streakEvent('ada', v));
    await publisher.publish(streakEvent('bob', 1));
    const deadline = Date.now() + 20_000;
    while (received.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const ada = received.filter((m) => m.attributes.userId === 'ada');
    expect(ada.map((m) => JSON.parse(m.data.toString('utf8')).version)).toEqual([1, 2, 3, 4, 5]);
    expect(ada[0].attributes).toEqual({ userId: 'ada', version: '1' });
    expect(ada[0].orderingKey).toBe('ada');
    expect(JSON.parse(ada[4].data.toString('utf8'))).toEqual(streakEvent('ada', 5));

    // What the subscription delivers is what the projector accepts.
    const store = new InMemoryStreakStore();
    for (const m of received) {
      await handleStreakMessage(
        { time: m.publishTime.toISOString(), data: { message: { messageId: m.id, data: m.data.toString('base64'), attributes: m.attributes } } },
        { store: async () => store },
      );
    }
    expect(store.get('ada')?.version).toBe(5);
    expect(store.get('bob')?.version).toBe(1);
  });

  it('fails, and never creates the topic, when the topic does not exist', async () => {
    const publisher = createPublisher(readConfig({ ...process.env, STREAK_TOPIC: `missing-${Date.now()}` }));
    await expect(publisher.publish(streakEvent('ada', 1))).rejects.toThrow();
    const [topics] = await admin.getTopics();
    expect(topics.some((t) => t.name.includes('missing-'))).toBe(false);
  });
});
