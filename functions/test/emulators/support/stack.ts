import { PubSub } from '@google-cloud/pubsub';
import { readFileSync } from 'node:fs';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { readConfig } from '../../../src/config';
import { connect, type Database } from '../../../src/db/pool';
import { createAppClient, type AppClient } from '../../../../scripts/lib/stack/appClient';

const portsSchema = z.object({
  auth: z.number(),
  functions: z.number(),
  firestore: z.number(),
  firestoreWebsocket: z.number(),
  pubsub: z.number(),
  hub: z.number(),
  logging: z.number(),
  eventarc: z.number(),
  tasks: z.number(),
});

const stackSchema = z.object({
  mode: z.enum(['firebase-tools', 'cloud-cli']),
  projectId: z.string(),
  ports: portsSchema,
  /** The database the emulated functions use. */
  databaseUrl: z.string(),
  bridgeTriggerWired: z.boolean(),
  /** The Cloud CLI's Pub/Sub emulator launcher, for tests that run one of their own. */
  pubsubBinary: z.string().nullable(),
  /** The file the runner appends every line the emulators print to (the functions' log lines among them). */
  stackLog: z.string(),
});

export type StackDescription = z.infer<typeof stackSchema>;

/** The stack `npm run test:emulators` started for this run. */
export function stack(): StackDescription {
  const raw = process.env.EMULATOR_STACK;
  if (!raw) throw new Error('EMULATOR_STACK is not set: run this suite with `npm run test:emulators`');
  return stackSchema.parse(JSON.parse(raw));
}

/** A signed-out app, as a phone would hold it: Auth, Functions and Firestore on the emulators. */
export function appClient(name?: string): AppClient {
  const { ports, projectId } = stack();
  return createAppClient({ projectId, authPort: ports.auth, functionsPort: ports.functions, firestorePort: ports.firestore, name });
}

/** firebase-admin, as the functions and the scripts use it (emulator hosts come from the environment). */
export function adminApp() {
  return getApps()[0] ?? initializeApp({ projectId: stack().projectId });
}
export const adminFirestore = (): Firestore => getFirestore(adminApp());
export const adminAuth = () => getAuth(adminApp());

/** The test's own Pub/Sub client on the stack's emulator. */
export const pubSub = (): PubSub => new PubSub({ projectId: stack().projectId });

/**
 * Points in-process handlers (getRuntime reads DATABASE_URL) at the emulated functions' database,
 * until the returned function restores what was there: spec files share one process, and the next
 * file's scratch databases are made on the server DATABASE_URL names.
 */
export function runtimeOnFunctionsDatabase(): () => void {
  const previous = process.env.DATABASE_URL;
  process.env.DATABASE_URL = stack().databaseUrl;
  return () => {
    if (previous === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previous;
  };
}

/** A pool on the database the emulated functions write. */
export function functionsDatabase(): Promise<Database> {
  const config = readConfig({ ...process.env, DB_POOL_SIZE: '4' }).database;
  return connect(config, stack().databaseUrl, 'functions database (test)');
}

/**
 * Polls `read` until `done` holds, or fails with the last value after `timeoutMs`. Never poll a client
 * SDK read of a document about to be created: the Firestore emulator may answer it "no document" as of
 * a time after the write, and that client then ignores the document for good. Poll `adminDocument`,
 * then read once with a client that never read the path, or open a client listener before the write.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

/** A document's data as the Admin SDK reads it now (undefined when there is none): safe to poll. */
export async function adminDocument(path: string): Promise<Record<string, unknown> | undefined> {
  return (await adminFirestore().doc(path).get()).data();
}

/** Deletes every document of the project in the Firestore emulator. */
export async function clearFirestore(): Promise<void> {
  const { ports, projectId } = stack();
  const response = await fetch(`http://127.0.0.1:${ports.firestore}/emulator/v1/projects/${projectId}/databases/(default)/documents`, { method: 'DELETE' });
  if (!response.ok) throw new Error(`clearing Firestore failed: ${response.status}`);
}

/** Runs relayStreakOutbox once, as Cloud Scheduler does: a POST on the Functions emulator's trigger. */
export async function tickRelay(): Promise<void> {
  const { ports, projectId } = stack();
  // The emulator keys event-style triggers (scheduled ones included) as <region>-<name>-0.
  const response = await fetch(`http://127.0.0.1:${ports.functions}/functions/projects/${projectId}/triggers/us-central1-relayStreakOutbox-0`, {
    method: 'POST',
    headers: { 'X-CloudScheduler-JobName': 'emulator-suite', 'X-CloudScheduler-ScheduleTime': new Date().toISOString() },
  });
  if (response.status !== 200) throw new Error(`relayStreakOutbox answered ${response.status}: ${await response.text()}`);
}

/**
 * Waits for `read` to satisfy `done` while the relay runs every few seconds, as it does deployed: what
 * the immediate publish did not get out (a cold client on a loaded machine) goes out with the relay.
 */
export async function eventuallyWithRelay<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    try {
      return await eventually(read, done, Math.min(3_000, Math.max(remaining, 0)), what);
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await tickRelay();
    }
  }
}

/**
 * Runs reconcileLegacySessions once, as Cloud Scheduler does, with a schedule time on a minute its
 * RECONCILE_EVERY_MINUTES picks (it ticks every minute and runs a pass only on those).
 */
export async function tickReconcile(everyMinutes = 10): Promise<void> {
  const { ports, projectId } = stack();
  const step = everyMinutes * 60_000;
  const scheduleTime = new Date(Math.floor(Date.now() / step) * step).toISOString();
  const response = await fetch(`http://127.0.0.1:${ports.functions}/functions/projects/${projectId}/triggers/us-central1-reconcileLegacySessions-0`, {
    method: 'POST',
    headers: { 'X-CloudScheduler-JobName': 'emulator-suite', 'X-CloudScheduler-ScheduleTime': scheduleTime },
  });
  if (response.status !== 200) throw new Error(`reconcileLegacySessions answered ${response.status}: ${await response.text()}`);
}

/** The structured (JSON) lines the emulated functions printed that contain `needle` (the runner keeps them in stackLog). */
export function stackLogLines(needle: string): Array<Record<string, unknown>> {
  return readFileSync(stack().stackLog, 'utf8')
    .split('\n')
    .filter((line) => line.includes(needle))
    .flatMap((line) => {
      try {
        return [JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
