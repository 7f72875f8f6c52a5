import type { PubSub } from '@google-cloud/pubsub';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { setLogLevel } from 'firebase/firestore';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import { streakEventAttributes, type StreakEvent } from '../../src/contract/streakEvent';
import { adminFirestore, appClient, eventually, pubSub } from './support/stack';

// A deleted user's streak-updated messages replayed from the dead-letter subscription (kept 7 days)
// arrive with a fresh publish time, so the projector's 24-hour age limit does not stop them: only the
// tombstone's version does. End to end: delete, let a week pass for every TTL policy firestore.indexes.json
// deploys (the emulator has no TTL, so the spec applies them as Firestore would), replay, and look.
setLogLevel('silent');

const DAY = 86_400_000;
const indexes = JSON.parse(readFileSync(path.resolve(__dirname, '../../../firestore.indexes.json'), 'utf8')) as { fieldOverrides?: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }> };

let client: PubSub;
const apps: AppClient[] = [];
beforeAll(() => {
  client = pubSub();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await client?.close();
});

const streakDoc = async (uid: string) => (await adminFirestore().doc(`streaks/${uid}`).get()).data();
const publish = (event: StreakEvent) => client.topic('streak-updated').publishMessage({ data: Buffer.from(JSON.stringify(event)), attributes: streakEventAttributes(event) });
const event = (userId: string, version: number): StreakEvent => ({
  userId,
  version,
  currentStreak: version,
  longestStreak: version,
  lastQualifiedDate: `2025-06-0${version + 1}`,
  qualifiedDaysCount: version,
  timezone: 'Europe/Paris',
  streakExpiresAt: `2025-06-0${version + 3}T22:00:00.000Z`,
  updatedAt: new Date().toISOString(),
  freezesAvailable: 0,
  frozenDates: [],
  dayStartMinutes: 0,
});

/** What Firestore's TTL policies of firestore.indexes.json would have deleted by `at`. */
async function applyTtlPolicies(at: number): Promise<number> {
  let deleted = 0;
  for (const policy of (indexes.fieldOverrides ?? []).filter((o) => o.ttl)) {
    const expired = await adminFirestore().collectionGroup(policy.collectionGroup).where(policy.fieldPath, '<=', Timestamp.fromMillis(at)).get();
    for (const d of expired.docs) await d.ref.delete();
    deleted += expired.size;
  }
  return deleted;
}

describe('messages replayed after a deletion', () => {
  it('a week later, with fresh publish times and every TTL policy applied, bring no values back; the next life still replaces the tombstone', async () => {
    const app = appClient(`replay-${Date.now()}`);
    apps.push(app);
    const uid = await app.signIn(`replay-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
    await app.acceptFocusSession({ sessionId: 'r1', startTime: '2025-06-02T07:00:00Z', endTime: '2025-06-02T07:40:00Z', timezone: 'Europe/Paris' });
    await app.acceptFocusSession({ sessionId: 'r2', startTime: '2025-06-03T07:00:00Z', endTime: '2025-06-03T07:40:00Z', timezone: 'Europe/Paris' });
    await eventually(() => streakDoc(uid), (d) => d?.version === 2, 20_000, `streaks/${uid} at version 2 (Admin SDK)`);
    await app.call('deleteMyData', { confirm: true });
    expect(await streakDoc(uid)).toMatchObject({ userId: uid, version: 2, deleted: true });

    const removed = await applyTtlPolicies(Date.now() + 7 * DAY);
    console.log(`replayAfterDeletion: the TTL policies of firestore.indexes.json, applied a week on, deleted ${removed} documents`);

    // The dead letters, published again; then a marker of another user, projected once they were handled.
    for (const v of [1, 2]) await publish(event(uid, v));
    const marker = `replay-marker-${Date.now()}`;
    await publish(event(marker, 1));
    await eventually(() => streakDoc(marker), (d) => d?.version === 1, 30_000, `streaks/${marker} (Admin SDK)`);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await streakDoc(uid)).toEqual({ userId: uid, version: 2, deleted: true });

    // Recording again still projects, above the floor, whole.
    await app.acceptFocusSession({ sessionId: 'r3', startTime: '2025-06-10T07:00:00Z', endTime: '2025-06-10T07:40:00Z', timezone: 'Europe/Paris' });
    const next = await eventually(() => streakDoc(uid), (d) => d?.version === 3, 20_000, `streaks/${uid} at version 3 (Admin SDK)`);
    expect(next).not.toHaveProperty('deleted');
  });
});
