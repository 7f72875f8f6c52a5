import firebaseFunctionsTest from 'firebase-functions-test';
import { Timestamp } from 'firebase-admin/firestore';
import { setLogLevel } from 'firebase/firestore';
import { sql } from 'slonik';
import { z } from 'zod';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import { handleBridgeLegacySession } from '../../src/bridge/bridgeLegacySession';
import { readConfig } from '../../src/config';
import { mirrorSummary } from '../../src/db/legacyMirror';
import type { Database } from '../../src/db/pool';
import { acceptFocusSession } from '../../src/index';
import { MIRROR_MARKER, mirrorDocumentId } from '../../src/legacy';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { setRuntime } from '../../src/runtime';
import { adminDocument, adminFirestore, appClient, eventually, functionsDatabase, stack } from './support/stack';

// The way back, through the emulators: with MIRROR_TO_LEGACY on, a callable's session reaches legacy
// Firestore sessions/{docId} in the legacy shape through mirrorLegacySessions (the emulated scheduled
// function, ticked as Cloud Scheduler would), the bridge does not take it in again, and deleteMyData
// removes it. The emulated functions run with the mirror off (the other specs read sessions/), so the
// accept runs in-process with it on, against the same database.
setLogLevel('silent');

const fft = firebaseFunctionsTest({ projectId: stack().projectId });
const accept = fft.wrap(acceptFocusSession);
let db: Database;
let app: AppClient;
beforeAll(async () => {
  db = await functionsDatabase();
  app = appClient('mirror');
  setRuntime({ config: readConfig({ ...process.env, MIRROR_TO_LEGACY: 'true', DATABASE_URL: stack().databaseUrl }), db, publisher: new InMemoryPublisher(), now: Date.now, accountDocuments: null });
});
afterAll(async () => {
  setRuntime(undefined);
  fft.cleanup();
  await app?.close();
  await db?.close();
});

/** Runs mirrorLegacySessions once, as Cloud Scheduler does: a POST on the Functions emulator's trigger. */
async function tickMirror(): Promise<void> {
  const { ports, projectId } = stack();
  const response = await fetch(`http://127.0.0.1:${ports.functions}/functions/projects/${projectId}/triggers/us-central1-mirrorLegacySessions-0`, {
    method: 'POST',
    headers: { 'X-CloudScheduler-JobName': 'emulator-suite', 'X-CloudScheduler-ScheduleTime': new Date().toISOString() },
  });
  if (response.status !== 200) throw new Error(`mirrorLegacySessions answered ${response.status}: ${await response.text()}`);
}

const sessionsOf = (uid: string) =>
  db.pool.any(sql.type(z.object({ sessionId: z.string(), source: z.string() }))`
    select session_id as "sessionId", source from focus_sessions where user_id = ${uid} order by session_id`);

describe('the reverse mirror through the emulators', () => {
  it('writes a callable session to legacy sessions/ in the legacy shape; the bridge leaves it alone; deleteMyData removes it', async () => {
    const uid = await app.signIn(`mirror-${Date.now()}@example.com`);
    const request = { sessionId: 'm1', startTime: '2025-06-02T09:00:00+02:00', endTime: '2025-06-02T09:40:00+02:00', timezone: 'Europe/Paris' };
    await expect(accept({ data: request, auth: { uid, token: {} } } as never)).resolves.toMatchObject({ accepted: true, streak: { version: 1 } });

    const path = `sessions/${mirrorDocumentId(uid, 'm1')}`;
    const mirrored = await eventually(
      async () => {
        await tickMirror();
        return adminDocument(path);
      },
      (d) => d !== undefined,
      20_000,
      `the mirror of ${uid}'s session at ${path}`,
    );
    expect(mirrored).toEqual({
      userId: uid,
      startTime: Timestamp.fromMillis(Date.parse(request.startTime)),
      endTime: Timestamp.fromMillis(Date.parse(request.endTime)),
      timezone: 'Europe/Paris',
      [MIRROR_MARKER]: true,
    });

    // The status's view: the emulated functions run with the param off, and nothing of this session is pending.
    const seen = await mirrorSummary(db.pool);
    expect(seen).toMatchObject({ enabled: false, lastPass: expect.objectContaining({ failed: 0 }) });
    expect(Date.now() - seen.seenAtMs!).toBeLessThan(60_000);
    expect(await db.pool.oneFirst(sql.type(z.object({ m: z.boolean() }))`select mirrored_at is not null as m from legacy_mirror where user_id = ${uid}`)).toBe(true);

    // What the trigger would hand the bridge for this document, where it is wired: the real document.
    const snapshot = await adminFirestore().doc(path).get();
    await handleBridgeLegacySession({ params: { sessionId: snapshot.id }, data: snapshot, time: new Date().toISOString() });
    expect(await sessionsOf(uid)).toEqual([{ sessionId: 'm1', source: 'callable' }]);
    expect(await db.pool.maybeOneFirst(sql.type(z.object({ reason: z.string() }))`select reason from backfill_rejects where document_path = ${path}`)).toBeNull();

    await expect(app.call('deleteMyData', { confirm: true })).resolves.toMatchObject({ deleted: { sessions: 1 } });
    expect(await adminDocument(path)).toBeUndefined();
    expect(await sessionsOf(uid)).toEqual([]);
  });
});
