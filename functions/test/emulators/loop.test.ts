import { FirebaseError } from 'firebase/app';
import { setLogLevel, Timestamp, type DocumentData } from 'firebase/firestore';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import { appClient } from './support/stack';

// The whole loop as an app sees it: callable → PostgreSQL → outbox → Pub/Sub → projectStreak →
// streaks/{uid}, watched with the client SDK's snapshot listener under the security rules.
setLogLevel('silent');

const paris = (id: string, start: string, end: string) => ({ sessionId: id, startTime: start, endTime: end, timezone: 'Europe/Paris' });

let ada: AppClient;
let bob: AppClient;
let anonymous: AppClient;

beforeAll(() => {
  ada = appClient('ada');
  bob = appClient('bob');
  anonymous = appClient('anonymous');
});
afterAll(async () => {
  await Promise.all([ada, bob, anonymous].map((c) => c?.close()));
});

/**
 * Opens a listener on `streaks/{uid}` and waits for the server's first answer; `atVersion` then
 * resolves with the first snapshot whose version reaches `version`, and how long that took. The
 * listener is open before the write that creates the document (see watchStreakDocument for why).
 */
async function watchDocument(client: AppClient, uid: string) {
  let latest: DocumentData | undefined;
  const waiters = new Set<() => void>();
  const stop = await client.watchStreakDocument(uid, (data) => {
    latest = data;
    for (const wake of waiters) wake();
  });
  return {
    stop,
    atVersion(version: number, timeoutMs = 20_000) {
      const started = performance.now();
      return new Promise<{ data: DocumentData; ms: number }>((resolve, reject) => {
        const check = () => {
          if (latest && latest.version >= version) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve({ data: latest, ms: performance.now() - started });
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`streaks/${uid} did not reach version ${version} in ${timeoutMs} ms (last seen: ${JSON.stringify(latest ?? null)})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('the loop through the emulators', () => {
  it("projects each accepted session into the signed-in user's streaks document, equal to getMyStreak", async () => {
    const uid = await ada.signIn(`ada-${Date.now()}@example.com`);
    const days = ['2025-06-02', '2025-06-03', '2025-06-04', '2025-06-05', '2025-06-06', '2025-06-07'];
    const latencies: number[] = [];
    let last = 0;
    // Open before the first call, as on an app's streak screen.
    const watch = await watchDocument(ada, uid);
    for (const [i, day] of days.entries()) {
      const started = performance.now();
      const answer = await ada.acceptFocusSession(paris(`ada-${i}`, `${day}T09:00:00+02:00`, `${day}T09:40:00+02:00`));
      expect(answer).toMatchObject({ accepted: true, streak: { version: i + 1, currentStreak: i + 1 } });
      const { data } = await watch.atVersion(i + 1);
      latencies.push(performance.now() - started);
      expect(data.version).toBe(answer.streak.version);
      last = answer.streak.version;
    }
    watch.stop();
    // A late session that changes nothing visible but the count still projects its version.
    const mine = await ada.getMyStreak();
    expect(mine.version).toBe(last);
    const document = await ada.readStreakDocument(uid);
    expect(document).toEqual({
      userId: uid,
      version: mine.version,
      currentStreak: mine.currentStreak,
      longestStreak: mine.longestStreak,
      lastQualifiedDate: mine.lastQualifiedDate,
      qualifiedDaysCount: mine.qualifiedDaysCount,
      timezone: mine.timezone,
      streakExpiresAt: expect.any(Timestamp),
      updatedAt: expect.any(Timestamp),
      freezesAvailable: mine.freezesAvailable,
      frozenDates: mine.frozenDates,
      dayStartMinutes: mine.dayStartMinutes,
    });
    expect((document!.streakExpiresAt as Timestamp).toDate().toISOString()).toBe(mine.streakExpiresAt);
    console.log(
      `accept → snapshot at the new version: cold first call ${latencies[0].toFixed(0)} ms; warm p50 ${median(latencies.slice(1)).toFixed(0)} ms, max ${Math.max(...latencies.slice(1)).toFixed(0)} ms (${latencies.length - 1} accepts)`,
    );
  });

  it('ends at the newest version when sessions of one user arrive concurrently', async () => {
    const uid = await ada.signIn(`ada-burst-${Date.now()}@example.com`);
    const watch = await watchDocument(ada, uid);
    const days = Array.from({ length: 8 }, (_, i) => `2025-07-${String(i + 1).padStart(2, '0')}`);
    const answers = await Promise.all(days.map((day, i) => ada.acceptFocusSession(paris(`burst-${i}`, `${day}T08:00:00+02:00`, `${day}T09:00:00+02:00`))));
    const newest = Math.max(...answers.map((a) => a.streak.version));
    const { data } = await watch.atVersion(newest);
    watch.stop();
    const mine = await ada.getMyStreak();
    expect(data).toMatchObject({ version: mine.version, currentStreak: 8, longestStreak: 8, qualifiedDaysCount: 8 });
  });

  it("denies another signed-in user and a signed-out client the user's document", async () => {
    const uid = await ada.signIn(`ada-private-${Date.now()}@example.com`);
    const watch = await watchDocument(ada, uid);
    await ada.acceptFocusSession(paris('private-1', '2025-06-02T09:00:00+02:00', '2025-06-02T09:45:00+02:00'));
    await watch.atVersion(1);
    watch.stop();
    await bob.signIn(`bob-${Date.now()}@example.com`);
    const denied = (p: Promise<unknown>) => p.then(() => null, (e: FirebaseError) => e.code);
    expect(await denied(bob.readStreakDocument(uid))).toBe('permission-denied');
    expect(await denied(anonymous.readStreakDocument(uid))).toBe('permission-denied');
    expect(await denied(bob.watchStreakDocument(uid, () => {}))).toBe('permission-denied');
  });
});
