import { readConfig, type Config } from './config';
import type { Database } from './db/pool';
import { firebaseUserDirectory, type UserDirectory } from './firebase/auth';
import type { AccountDocuments } from './firebase/accountDocuments';
import type { StreakPublisher } from './outbox/publisher';

/** What handlers need at run time, built once per instance on first use (never at import: cold starts). */
export interface Runtime {
  config: Config;
  db: Database;
  publisher: StreakPublisher;
  now(): number;
  /** Who exists in Firebase Auth (friends); when absent, Firebase Auth itself where it may be reached. */
  users?: UserDirectory;
  /** The user's Firestore documents a deletion removes; when absent, Firestore itself where it may be reached, else none. */
  accountDocuments?: AccountDocuments | null;
}

let current: Promise<Runtime> | undefined;

export function getRuntime(): Promise<Runtime> {
  current ??= buildRuntime().catch((error: unknown) => {
    // A failed start (database down) must not poison the instance: the next call tries again.
    current = undefined;
    throw error;
  });
  return current;
}

/** Tests and scripts inject their own database, publisher, clock or user directory. */
export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime ? Promise.resolve(runtime) : undefined;
}

async function buildRuntime(): Promise<Runtime> {
  // Required here, not at the top: every deployed function loads index.js at cold start, and these are heavy.
  const [{ openDatabase }, { createPublisher }] = await Promise.all([import('./db/pool'), import('./outbox/createPublisher')]);
  const config = readConfig();
  const db = await openDatabase(config.database, { deployed: config.deployed });
  return { config, db, publisher: createPublisher(config), now: Date.now, users: firebaseUserDirectory(config) };
}

/** The runtime's user directory, or Firebase Auth (built on first use, only where it may be). */
export function userDirectory(runtime: Runtime): UserDirectory {
  return runtime.users ?? firebaseUserDirectory(runtime.config);
}

/** The runtime's account documents, or Firestore's (built on first use, only where it may be), or null where Firestore is not configured. */
export async function accountDocuments(runtime: Runtime): Promise<AccountDocuments | null> {
  if (runtime.accountDocuments !== undefined) return runtime.accountDocuments;
  if (!runtime.config.google.firestore) return null;
  const { createAccountDocuments } = await import('./firebase/accountDocuments');
  runtime.accountDocuments = await createAccountDocuments(runtime.config);
  return runtime.accountDocuments;
}
