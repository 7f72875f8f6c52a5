import type { Firestore } from 'firebase-admin/firestore';
import type { Config } from '../config';

export class FirestoreNotConfiguredError extends Error {
  readonly code = 'firestore/not-configured';
  constructor() {
    super('Firestore is not configured here: set FIRESTORE_EMULATOR_HOST, or run with real credentials (GOOGLE_APPLICATION_CREDENTIALS) on a non-demo project');
    this.name = 'FirestoreNotConfiguredError';
  }
}

/**
 * The firebase-admin Firestore client, built only where it cannot probe the metadata server
 * (an emulator host or real credentials), since a client without them probes the metadata server, an
 * address outside this machine. Loaded lazily to keep cold starts short.
 */
export async function adminFirestore(config: Config): Promise<Firestore> {
  if (!config.google.firestore) throw new FirestoreNotConfiguredError();
  const { getApps, initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const app = getApps()[0] ?? initializeApp(config.google.projectId ? { projectId: config.google.projectId } : undefined);
  return getFirestore(app);
}
