import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deleteAccount } from '../../src/account/deleteAccount';
import { logs as accountLogs } from '../../src/account/logs';
import { acceptSession } from '../../src/accept/acceptSession';
import type { AccountDocuments } from '../../src/firebase/accountDocuments';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { logs as projectionLogs } from '../../src/projection/logs';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { streakEvent } from '../support/streakEvent';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// A message replayed from the dead-letter subscription (kept 7 days) has a fresh publish time, so the
// projector's age limit does not stop it: only the tombstone's version does. The tombstone is
// therefore kept for good (it holds an id and a number): nothing expires it, no TTL policy removes it.

const DAY = 86_400_000;
const indexes = JSON.parse(readFileSync(path.resolve(__dirname, '../../../firestore.indexes.json'), 'utf8')) as { fieldOverrides?: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }> };

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  silenceLogs(accountLogs);
  silenceLogs(projectionLogs);
});
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  await db.close();
});

describe('the streaks/{uid} tombstone of a deletion is kept for good', () => {
  it('holds only the id, the version and deleted: true (nothing a TTL policy could expire on), and no TTL policy targets streaks', async () => {
    const store = new InMemoryStreakStore();
    const documents: AccountDocuments = {
      deleteLegacy: async () => ({ sessions: 0, user: false }),
      countLegacy: async () => ({ sessions: 0, user: false }),
      writeTombstone: (userId, floor) => store.writeTombstone(userId, floor),
    };
    const start = Date.parse('2025-03-01T08:00:00Z');
    await acceptSession(db.pool, { userId: 'kept', sessionId: 'k1', session: { startMs: start, endMs: start + 40 * 60_000, timeZone: 'UTC' }, source: 'callable' }, { qualifySeconds: 1800 });
    await deleteAccount('kept', { db: db.pool, documents, now: () => start + DAY, by: 'test' });
    expect(store.tombstone('kept')).toEqual({ userId: 'kept', version: 1, deleted: true });
    expect((indexes.fieldOverrides ?? []).filter((o) => o.collectionGroup === 'streaks' && o.ttl)).toEqual([]);
  });

  it('drops a message replayed a week after the deletion with a fresh publish time, whatever its version up to the floor', async () => {
    const store = new InMemoryStreakStore();
    const published = Date.parse('2025-03-01T00:00:00Z');
    for (const v of [1, 2, 3]) await handleStreakMessage(messageEvent(streakEvent('replayed', v), { time: new Date(published).toISOString() }), { store: async () => store, now: () => published });
    await store.writeTombstone('replayed', 3);
    const weekLater = published + 7 * DAY;
    for (const v of [3, 1, 2]) {
      await expect(handleStreakMessage(messageEvent(streakEvent('replayed', v), { time: new Date(weekLater).toISOString() }), { store: async () => store, now: () => weekLater })).resolves.toMatchObject({ outcome: 'unchanged', storedVersion: 3 });
    }
    expect(store.get('replayed')).toBeUndefined();
    expect(store.tombstone('replayed')).toEqual({ userId: 'replayed', version: 3, deleted: true });
  });
});
