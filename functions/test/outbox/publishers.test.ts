import { readConfig } from '../../src/config';
import { PublishingDisabledError } from '../../src/outbox/errors';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { createPubSubPublisher, type PublishingTopic } from '../../src/outbox/pubSubPublisher';
import { isPublishingEnabled } from '../../src/outbox/publisher';
import { streakEvent } from '../support/streakEvent';

function fakeTopic(failures = 0) {
  const sent: Array<{ data: Buffer; attributes: Record<string, string>; orderingKey: string }> = [];
  const resumed: string[] = [];
  const topic: PublishingTopic = {
    async publishMessage(message) {
      if (failures-- > 0) throw new Error('9 FAILED_PRECONDITION');
      sent.push(message);
      return String(sent.length);
    },
    resumePublishing: (key) => resumed.push(key),
  };
  return { topic, sent, resumed };
}

describe('the Pub/Sub publisher', () => {
  it('sends the event as JSON data with {userId, version} attributes and the user as ordering key', async () => {
    const { topic, sent } = fakeTopic();
    const load = jest.fn(async () => topic);
    const publisher = createPubSubPublisher({ topic: 'streak-updated', projectId: 'p' }, load);
    await publisher.publish(streakEvent('ada', 7));
    expect(load).toHaveBeenCalledWith({ topic: 'streak-updated', projectId: 'p' });
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0].data.toString('utf8'))).toEqual(streakEvent('ada', 7));
    expect(sent[0].attributes).toEqual({ userId: 'ada', version: '7' });
    expect(sent[0].orderingKey).toBe('ada');
  });

  it('resumes the ordering key after a failure, so the next attempt for that user can go out', async () => {
    const { topic, sent, resumed } = fakeTopic(1);
    const publisher = createPubSubPublisher({ topic: 'streak-updated' }, async () => topic);
    await expect(publisher.publish(streakEvent('ada', 1))).rejects.toThrow('FAILED_PRECONDITION');
    expect(resumed).toEqual(['ada']);
    await publisher.publish(streakEvent('ada', 1));
    expect(sent).toHaveLength(1);
  });
});

describe('createPublisher', () => {
  const env = { GCLOUD_PROJECT: 'demo-focus-streaks' };

  it('switches publishing off with one log line when no Pub/Sub client may be built here', () => {
    jest.isolateModules(() => {
      const { logs } = require('../../src/outbox/logs') as typeof import('../../src/outbox/logs');
      const { createPublisher } = require('../../src/outbox/createPublisher') as typeof import('../../src/outbox/createPublisher');
      const announced = jest.spyOn(logs, 'publishingDisabled').mockImplementation(() => undefined);
      const first = createPublisher(readConfig(env));
      createPublisher(readConfig(env));
      expect(isPublishingEnabled(first)).toBe(false);
      expect(announced).toHaveBeenCalledTimes(1);
    });
  });

  it('never builds a client for a demo project, even with credentials configured', () => {
    jest.isolateModules(() => {
      const { logs } = require('../../src/outbox/logs') as typeof import('../../src/outbox/logs');
      const { createPublisher } = require('../../src/outbox/createPublisher') as typeof import('../../src/outbox/createPublisher');
      jest.spyOn(logs, 'publishingDisabled').mockImplementation(() => undefined);
      const publisher = createPublisher(readConfig({ ...env, GOOGLE_APPLICATION_CREDENTIALS: '/tmp/key.json' }));
      expect(isPublishingEnabled(publisher)).toBe(false);
    });
  });

  it('rejects publishes when off, so nothing is ever marked published', async () => {
    const { logs } = await import('../../src/outbox/logs');
    jest.spyOn(logs, 'publishingDisabled').mockImplementation(() => undefined);
    const { createDisabledPublisher } = await import('../../src/outbox/disabledPublisher');
    await expect(createDisabledPublisher('test').publish(streakEvent('ada', 1))).rejects.toBeInstanceOf(PublishingDisabledError);
  });

  it('returns the Pub/Sub publisher when an emulator host is set, loading the client only on the first publish', async () => {
    const constructed: unknown[] = [];
    const topics: Array<{ name: string; options: unknown }> = [];
    const published: unknown[] = [];
    let createPublisher!: typeof import('../../src/outbox/createPublisher').createPublisher;
    jest.isolateModules(() => {
      jest.doMock('@google-cloud/pubsub', () => ({
        PubSub: class {
          constructor(options: unknown) {
            constructed.push(options);
          }
          topic(name: string, options: unknown) {
            topics.push({ name, options });
            return { publishMessage: async (m: unknown) => (published.push(m), '1'), resumePublishing: () => undefined };
          }
        },
      }));
      ({ createPublisher } = require('../../src/outbox/createPublisher'));
    });
    const publisher = createPublisher(readConfig({ ...env, PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', STREAK_TOPIC: 'streaks-test' }));
    expect(isPublishingEnabled(publisher)).toBe(true);
    expect(constructed).toEqual([]);
    await publisher.publish(streakEvent('ada', 1));
    await publisher.publish(streakEvent('bob', 1));
    expect(constructed).toEqual([{ projectId: 'demo-focus-streaks' }]);
    expect(topics).toEqual([{ name: 'streaks-test', options: expect.objectContaining({ messageOrdering: true }) }]);
    expect(published).toHaveLength(2);
    jest.dontMock('@google-cloud/pubsub');
  });
});

describe('InMemoryPublisher', () => {
  it('fails the next K publishes, then acknowledges, recording every attempt', async () => {
    const publisher = new InMemoryPublisher().failNext(2);
    await expect(publisher.publish(streakEvent('ada', 1))).rejects.toThrow('simulated');
    await expect(publisher.publish(streakEvent('ada', 1))).rejects.toThrow('simulated');
    await publisher.publish(streakEvent('ada', 1));
    expect(publisher.attempts).toHaveLength(3);
    expect(publisher.published).toEqual([streakEvent('ada', 1)]);
  });

  it('hangs the next publishes until released', async () => {
    const publisher = new InMemoryPublisher().hangNext(1);
    const hung = publisher.publish(streakEvent('ada', 1));
    const settled = await Promise.race([hung.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 50))]);
    expect(settled).toBe('pending');
    publisher.releaseHung();
    await expect(hung).rejects.toThrow('released');
    expect(publisher.published).toEqual([]);
  });
});
