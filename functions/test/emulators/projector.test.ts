import type { PubSub } from '@google-cloud/pubsub';
import { Timestamp } from 'firebase-admin/firestore';
import { streakEventAttributes, type StreakEvent } from '../../src/contract/streakEvent';
import { streakEvent } from '../support/streakEvent';
import { adminFirestore, eventually, pubSub } from './support/stack';

// projectStreak as deployed, run by the Functions emulator and fed by the real Pub/Sub emulator:
// duplicates and reordering of many versions end at the newest; malformed messages are dropped.
let client: PubSub;

beforeAll(() => {
  client = pubSub();
});
afterAll(async () => {
  await client?.close();
});

const topic = () => client.topic('streak-updated');
const publish = (event: StreakEvent) => topic().publishMessage({ data: Buffer.from(JSON.stringify(event)), attributes: streakEventAttributes(event) });
const read = async (userId: string) => (await adminFirestore().doc(`streaks/${userId}`).get()).data();

describe('projectStreak through the Pub/Sub emulator', () => {
  it('ends at the newest version whatever the order and however often each version is delivered', async () => {
    const userId = `reorder-${Date.now()}`;
    const versions = Array.from({ length: 12 }, (_, i) => i + 1);
    const deliveries = [...versions, ...versions.filter((v) => v % 3 === 0)].sort(() => Math.random() - 0.5);
    // One publish at a time: the Functions emulator starts a worker per concurrent delivery and, on a
    // small machine, loses the ones whose worker fails to load (Pub/Sub itself would redeliver them).
    for (const v of deliveries) await publish(streakEvent(userId, v));
    const data = await eventually(() => read(userId), (d) => d?.version === 12, 60_000, `streaks/${userId} at version 12`);
    const expected = streakEvent(userId, 12);
    expect(data).toMatchObject({ userId, version: 12, currentStreak: expected.currentStreak, lastQualifiedDate: expected.lastQualifiedDate });
    expect((data!.updatedAt as Timestamp).toDate().toISOString()).toBe(expected.updatedAt);
    // Older versions delivered after the newest never win.
    await publish(streakEvent(userId, 7));
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await read(userId))?.version).toBe(12);
  });

  it('acknowledges and drops malformed messages, and keeps projecting after them', async () => {
    const userId = `malformed-${Date.now()}`;
    await publish(streakEvent(userId, 1));
    await eventually(() => read(userId), (d) => d?.version === 1, 20_000, 'version 1');
    await topic().publishMessage({ data: Buffer.from('not json'), attributes: { userId, version: '5' } });
    await topic().publishMessage({ data: Buffer.from(JSON.stringify({ userId, version: 'five' })), attributes: { userId, version: '5' } });
    await topic().publishMessage({ data: Buffer.from(JSON.stringify(streakEvent('someone-else', 6))), attributes: { userId, version: '6' } });
    await publish(streakEvent(userId, 2));
    const data = await eventually(() => read(userId), (d) => d?.version === 2, 20_000, 'version 2 after the malformed ones');
    expect(data?.userId).toBe(userId);
    expect(await read('someone-else')).toBeUndefined();
  });
});
