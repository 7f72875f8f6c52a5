import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { Timestamp } from 'firebase-admin/firestore';
import { sql } from 'slonik';
import { z } from 'zod';
import { acceptSession } from '../../src/accept/acceptSession';
import { readConfig, type Config } from '../../src/config';
import { readStreak } from '../../src/db/userStreaks';
import { createPublisher } from '../../src/outbox/createPublisher';
import { logs as outboxLogs } from '../../src/outbox/logs';
import { closePubSubPublishers } from '../../src/outbox/pubSubPublisher';
import { relayOutbox } from '../../src/outbox/relayOutbox';
import { createFirestoreStreakStore } from '../../src/projection/FirestoreStreakStore';
import { handleStreakMessage } from '../../src/projection/handleStreakMessage';
import { logs as projectionLogs } from '../../src/projection/logs';
import { silenceLogs } from '../support/silenceLogs';
import { streakEvent } from '../support/streakEvent';
import type { TestDatabase } from '../support/testDatabase';
import { spawnGroup, type ProcessGroup } from '../../../scripts/lib/stack/processGroup';
import { adminFirestore, stack } from './support/stack';
import { freePort, scratchDatabases } from './support/migrationCli';

// A Pub/Sub outage, in process: the write path (acceptSession, publishing after commit) on a scratch
// database, the real publisher on a Pub/Sub emulator of this test's own (so it can be stopped and
// restarted), and a pull subscription feeding the projector with the real FirestoreStreakStore.

jest.setTimeout(240_000);

const USERS = 6;
const OUTAGE_DAYS = 4;

describe('a Pub/Sub outage', () => {
  const databases = scratchDatabases();
  const stamp = Date.now().toString(36);
  const users = Array.from({ length: USERS }, (_, i) => `outage-${stamp}-${i}`);
  const topicName = `streak-updated-outage-${stamp}`;
  const firestore = adminFirestore();
  const savedHost = process.env.PUBSUB_EMULATOR_HOST;
  let db: TestDatabase;
  let emulator: ProcessGroup | null = null;
  let host: string;
  let config: Config;
  let admin: PubSub | null = null;
  let subscription: Subscription | null = null;
  const projected: string[] = [];

  async function startEmulator(port: number): Promise<void> {
    const binary = stack().pubsubBinary;
    if (!binary) throw new Error('this stack has no Cloud CLI Pub/Sub emulator to start');
    emulator = spawnGroup('pubsub (outage test)', binary, ['start', '--host=127.0.0.1', `--port=${port}`, `--project=${stack().projectId}`], { env: process.env });
    await emulator.waitFor(/Server started/, 60_000);
  }

  /** What the deploy steps tell operators to create: the topic and the projector's ordered subscription (an emulator keeps no state across restarts). */
  async function provision(): Promise<void> {
    admin = new PubSub({ projectId: stack().projectId, apiEndpoint: host, emulatorMode: true });
    const [topic] = await admin.createTopic(topicName);
    [subscription] = await topic.createSubscription(`${topicName}-projector`, { enableMessageOrdering: true });
    const store = createFirestoreStreakStore(config);
    subscription.on('message', (m: Message) => {
      handleStreakMessage(
        { time: m.publishTime.toISOString(), data: { message: { messageId: m.id, data: m.data.toString('base64'), attributes: m.attributes } } },
        { store: () => store },
      ).then(
        (result) => {
          if (result.outcome === 'written') projected.push(`${result.userId}@${result.version}`);
          m.ack();
        },
        () => m.nack(),
      );
    });
    subscription.on('error', () => {});
  }

  async function unprovision(): Promise<void> {
    await subscription?.close().catch(() => {});
    await admin?.close().catch(() => {});
    subscription = null;
    admin = null;
  }

  beforeAll(async () => {
    silenceLogs(outboxLogs);
    silenceLogs(projectionLogs);
    db = await databases.create();
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    // The publisher's client reads the emulator host from the environment when it is built (first publish).
    process.env.PUBSUB_EMULATOR_HOST = host;
    config = readConfig({ ...process.env, PUBSUB_EMULATOR_HOST: host, STREAK_TOPIC: topicName, PUBLISH_TIMEOUT_MS: '500' });
    await startEmulator(port);
    await provision();
    // The publisher's first publish also builds its client and channel: done here, so the healthy phase
    // measures the publish an accept makes, not a cold start racing the 500 ms wait.
    await createPublisher(config).publish(streakEvent('outage-warm-up', 1));
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await unprovision();
    await closePubSubPublishers().catch(() => {});
    await emulator?.stop();
    if (savedHost === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
    else process.env.PUBSUB_EMULATOR_HOST = savedHost;
    await databases.closeAll();
  });

  const publisher = () => createPublisher(config);
  const accept = (userId: string, day: number) => {
    const startMs = Date.UTC(2025, 3, day, 7);
    return acceptSession(
      db.pool,
      { userId, sessionId: `${userId}-d${day}`, session: { startMs, endMs: startMs + 40 * 60_000, timeZone: 'Asia/Tokyo' }, source: 'callable' },
      { qualifySeconds: 1800, publish: { publisher: publisher(), timeoutMs: config.publishTimeoutMs } },
    );
  };
  const documentVersion = async (uid: string) => ((await firestore.doc(`streaks/${uid}`).get()).data()?.version as number | undefined) ?? 0;
  const pendingRows = () => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    select count(*)::int as n from streak_outbox where published_at is null and superseded_at is null`);
  const sqlVersion = async (uid: string) => (await readStreak(db.pool, uid))?.version ?? 0;

  async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - started;
  }
  const allProjected = async () => (await Promise.all(users.map(async (u) => (await documentVersion(u)) === (await sqlVersion(u))))).every(Boolean);

  it('keeps accepting while Pub/Sub is down, and after it returns the relay brings every document to SQL', async () => {
    // Healthy: each accept is published at once and projected.
    for (const u of users) expect((await accept(u, 1)).accepted).toBe(true);
    await waitUntil('the healthy projection', 30_000, allProjected);
    expect(await pendingRows()).toBe(0);
    for (const u of users) expect(await documentVersion(u)).toBe(1);

    // Outage.
    await unprovision();
    await emulator!.stop();
    const outageStarted = Date.now();
    const results = await Promise.all(
      users.map(async (u) => {
        const mine = [];
        for (let day = 2; day <= 1 + OUTAGE_DAYS; day++) mine.push(await accept(u, day));
        return mine;
      }),
    );
    const acceptMs = Date.now() - outageStarted;
    expect(results.flat().every((r) => r.accepted && r.outboxId !== null)).toBe(true);
    const changesDuringOutage = results.flat().length;
    expect(changesDuringOutage).toBe(USERS * OUTAGE_DAYS);
    // Every change is in the outbox, none published; each user's newest version waits for the relay (older
    // pending rows of a user may be superseded by it), attempted once and failed. The documents still show version 1.
    const unpublished = () => db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from streak_outbox where published_at is null and version > 1`);
    expect(await unpublished()).toBe(changesDuringOutage);
    const waiting = await db.pool.any(sql.type(z.object({ user_id: z.string(), version: z.number(), attempts: z.number(), last_error: z.string().nullable() }))`
      select user_id, version::int as version, attempts, last_error from streak_outbox
      where published_at is null and superseded_at is null order by user_id, version`);
    const waitingRows = waiting.length;
    expect(new Set(waiting.map((r) => r.user_id))).toEqual(new Set(users));
    for (const u of users) expect(Math.max(...waiting.filter((r) => r.user_id === u).map((r) => r.version))).toBe(1 + OUTAGE_DAYS);
    const newest = waiting.filter((r) => r.version === 1 + OUTAGE_DAYS);
    expect(newest.every((r) => r.attempts >= 1 && r.last_error !== null)).toBe(true);
    for (const u of users) {
      expect(await sqlVersion(u)).toBe(1 + OUTAGE_DAYS);
      expect(await documentVersion(u)).toBe(1);
    }
    // A relay pass during the outage publishes nothing and keeps every row.
    const during = await relayOutbox(db.pool, publisher(), { publishTimeoutMs: 500 });
    expect(during.published).toBe(0);
    expect(await pendingRows()).toBe(waitingRows);
    expect(await unpublished()).toBe(changesDuringOutage);

    // Recovery: same address, empty emulator; the operator re-creates topic and subscription.
    const port = Number(host.split(':')[1]);
    const restartStarted = Date.now();
    await startEmulator(port);
    await provision();
    const recovered = Date.now();
    let passes = 0;
    let published = 0;
    let failed = 0;
    let firstPublishMs: number | null = null;
    // The scheduled relay, ticking every second until the outbox is empty.
    const drainMs = await waitUntil('the outbox to drain', 120_000, async () => {
      const pass = await relayOutbox(db.pool, publisher(), { publishTimeoutMs: 5_000 });
      passes += 1;
      published += pass.published;
      failed += pass.failed;
      if (pass.published > 0 && firstPublishMs === null) firstPublishMs = Date.now() - recovered;
      if ((await pendingRows()) === 0) return true;
      await new Promise((r) => setTimeout(r, 900));
      return false;
    });
    const projectedMs = await waitUntil('every document at SQL’s newest version', 60_000, allProjected) + drainMs;

    for (const u of users) {
      const streak = (await readStreak(db.pool, u))!;
      const doc = (await firestore.doc(`streaks/${u}`).get()).data()!;
      expect(doc).toMatchObject({
        userId: u,
        version: 1 + OUTAGE_DAYS,
        currentStreak: streak.currentStreak,
        longestStreak: streak.longestStreak,
        lastQualifiedDate: streak.lastQualifiedDate,
        qualifiedDaysCount: streak.qualifiedDaysCount,
        timezone: 'Asia/Tokyo',
      });
      expect(streak.currentStreak).toBe(1 + OUTAGE_DAYS);
      expect(doc.updatedAt).toBeInstanceOf(Timestamp);
      expect((doc.updatedAt as Timestamp).toMillis()).toBe(Date.parse(streak.updatedAt!));
    }
    const usersProjected = (await Promise.all(users.map(async (u) => (await documentVersion(u)) === (await sqlVersion(u))))).filter(Boolean).length;
    expect(usersProjected).toBe(USERS);

    console.log(
      [
        `Pub/Sub outage: ${changesDuringOutage} streak changes accepted during the outage (${USERS} users × ${OUTAGE_DAYS}, ${acceptMs} ms for all accepts, each waiting at most ${config.publishTimeoutMs} ms for Pub/Sub), all left in streak_outbox unpublished (${waitingRows} rows waiting for the relay, the rest superseded by their user's newer version)`,
        `after recovery: ${usersProjected}/${USERS} users' streaks/{uid} at SQL's newest version (${published} messages published: newest version per user, older rows superseded)`,
        `time to drain: ${drainMs} ms from topic + subscription re-created to an empty outbox (${passes} relay passes 1 s apart, ${failed} failed publish attempts after recovery, first publish after ${firstPublishMs} ms: rows wait out the backoff their failed publish set; emulator restart took ${recovered - restartStarted} ms); ${projectedMs} ms until every document was projected`,
      ].join('\n'),
    );
  });
});
