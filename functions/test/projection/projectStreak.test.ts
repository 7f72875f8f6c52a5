import firebaseFunctionsTest from 'firebase-functions-test';
import { streakEventAttributes } from '../../src/contract/streakEvent';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { logs } from '../../src/projection/logs';
import { toStreakDocument } from '../../src/projection/streakDocument';
import { streakEvent } from '../support/streakEvent';
import { silenceLogs } from '../support/silenceLogs';

// The trigger's only production dependency is the Firestore store; swap it for memory.
const memory = new InMemoryStreakStore();
const createStore = jest.fn(async () => memory);
jest.mock('../../src/projection/FirestoreStreakStore', () => ({ createFirestoreStreakStore: () => createStore() }));

// Imported after the mock so the trigger module binds to it.
import { projectStreak } from '../../src/index';

const testEnv = firebaseFunctionsTest({ projectId: 'demo-focus-streaks' });
afterAll(() => testEnv.cleanup());

const pubsubMessage = (json: string, attributes: Record<string, string>) => ({
  data: { message: { messageId: 'm-1', data: Buffer.from(json).toString('base64'), attributes, publishTime: new Date().toISOString() } },
});

describe('projectStreak (the deployed trigger)', () => {
  beforeEach(() => silenceLogs(logs));
  afterEach(() => jest.restoreAllMocks());

  it('is a Pub/Sub trigger on the streak topic that asks for retries', () => {
    expect(projectStreak.__endpoint.eventTrigger).toMatchObject({
      eventType: 'google.cloud.pubsub.topic.v1.messagePublished',
      retry: true,
    });
  });

  it('projects a CloudEvent into streaks/{userId}', async () => {
    const event = streakEvent('ada', 4);
    await testEnv.wrap(projectStreak)({ ...pubsubMessage(JSON.stringify(event), streakEventAttributes(event)), time: new Date().toISOString() });
    expect(memory.get('ada')).toEqual(toStreakDocument(event, (d) => d));
  });

  it('acknowledges a malformed CloudEvent without touching Firestore', async () => {
    createStore.mockClear();
    await expect(testEnv.wrap(projectStreak)({ ...pubsubMessage('not json', {}), time: new Date().toISOString() })).resolves.toBeUndefined();
    expect(logs.malformedMessage).toHaveBeenCalledTimes(1);
    expect(createStore).not.toHaveBeenCalled();
  });
});
