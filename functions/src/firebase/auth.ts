import type { Auth } from 'firebase-admin/auth';
import type { Config } from '../config';

export class AuthNotConfiguredError extends Error {
  readonly code = 'auth/not-configured';
  constructor() {
    super('Firebase Auth is not configured here: set FIREBASE_AUTH_EMULATOR_HOST, or run with real credentials (GOOGLE_APPLICATION_CREDENTIALS) on a non-demo project');
    this.name = 'AuthNotConfiguredError';
  }
}

/** Firebase Auth could not answer (not the user's fault): the caller may retry. */
export class AuthUnavailableError extends Error {
  readonly code = 'auth/unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthUnavailableError';
  }
}

/** Who exists: a user exists when Firebase Auth knows the uid, even before their first session. */
export interface UserDirectory {
  exists(uid: string): Promise<boolean>;
}

/**
 * The firebase-admin Auth client, built only where it cannot probe the metadata server (the Auth
 * emulator or real credentials), since a client without them looks for credentials there, an address
 * outside this machine. Loaded lazily to keep cold starts short.
 */
export async function adminAuth(config: Config): Promise<Auth> {
  if (!config.google.auth) throw new AuthNotConfiguredError();
  const { getApps, initializeApp } = await import('firebase-admin/app');
  const { getAuth } = await import('firebase-admin/auth');
  const app = getApps()[0] ?? initializeApp(config.google.projectId ? { projectId: config.google.projectId } : undefined);
  return getAuth(app);
}

/** The UserDirectory over Firebase Auth (getUser): auth/user-not-found means no such user; anything else is unavailable. */
export function firebaseUserDirectory(config: Config): UserDirectory {
  let auth: Promise<Auth> | undefined;
  return {
    async exists(uid) {
      auth ??= adminAuth(config).catch((error: unknown) => {
        auth = undefined;
        throw error;
      });
      const client = await auth;
      try {
        await client.getUser(uid);
        return true;
      } catch (error) {
        if ((error as { code?: unknown })?.code === 'auth/user-not-found') return false;
        throw new AuthUnavailableError('Firebase Auth did not answer the user lookup.', { cause: error });
      }
    },
  };
}
