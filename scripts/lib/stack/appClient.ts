import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, signInWithEmailAndPassword, signOut, type Auth } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getDoc, initializeFirestore, onSnapshot, terminate, type DocumentData, type Firestore } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions, httpsCallable, type Functions } from 'firebase/functions';
import type { AcceptFocusSessionRequest, AcceptFocusSessionResponse, GetMyStreakResponse } from '../../../functions/src/contract/callables';
import { DEMO_PROJECT, LOOPBACK } from './ports';

/** The Firebase JS client SDK wired to the local emulators: what a mobile app does, and sees. */
export interface AppClient {
  app: FirebaseApp;
  auth: Auth;
  functions: Functions;
  /** Null when no Firestore emulator runs. */
  firestore: Firestore | null;
  /** Signs in (creating the account on first use) and returns the uid. */
  signIn(email: string, password?: string): Promise<string>;
  signOut(): Promise<void>;
  acceptFocusSession(request: AcceptFocusSessionRequest | Record<string, unknown>): Promise<AcceptFocusSessionResponse>;
  getMyStreak(): Promise<GetMyStreakResponse>;
  /** Calls any callable by name, for the ones without a typed helper. */
  call<T = unknown>(name: string, data?: unknown): Promise<T>;
  /**
   * Reads `streaks/{userId}` once as this client, under the security rules. Never poll it for a
   * document about to be created (see watchStreakDocument): wait through the Admin SDK, then read once.
   */
  readStreakDocument(userId: string): Promise<DocumentData | undefined>;
  /**
   * Listens to `streaks/{userId}` as an app does. Resolves with the unsubscribe function once the
   * server has answered the listen (rejects with the listen's error, such as permission-denied).
   * The Firestore emulator (jar 1.19.9) may answer a listen opened while a commit is in flight with
   * "no document" as of a time after that write, and the client then ignores the document for good:
   * make the write only after this resolves.
   */
  watchStreakDocument(userId: string, onChange: (data: DocumentData | undefined) => void, onError?: (error: Error) => void): Promise<() => void>;
  close(): Promise<void>;
}

export interface AppClientOptions {
  projectId?: string;
  authPort: number;
  functionsPort: number;
  firestorePort?: number | null;
  region?: string;
  name?: string;
}

export function createAppClient(options: AppClientOptions): AppClient {
  const projectId = options.projectId ?? DEMO_PROJECT;
  const app = initializeApp({ projectId, apiKey: 'demo-api-key', authDomain: `${projectId}.firebaseapp.com` }, options.name ?? `app-${Math.random()}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${LOOPBACK}:${options.authPort}`, { disableWarnings: true });
  const functions = getFunctions(app, options.region ?? 'us-central1');
  connectFunctionsEmulator(functions, LOOPBACK, options.functionsPort);
  let firestore: Firestore | null = null;
  if (options.firestorePort) {
    // Long polling: Node has no WebChannel streaming, and it keeps the listener on plain HTTP.
    firestore = initializeFirestore(app, { experimentalForceLongPolling: true });
    connectFirestoreEmulator(firestore, LOOPBACK, options.firestorePort);
  }
  const requireFirestore = () => {
    if (!firestore) throw new Error('no Firestore emulator runs in this stack');
    return firestore;
  };
  const call = async <T>(name: string, data: unknown = {}) => (await httpsCallable<unknown, T>(functions, name)(data)).data;
  return {
    app,
    auth,
    functions,
    firestore,
    async signIn(email, password = 'correct-horse-battery') {
      try {
        return (await signInWithEmailAndPassword(auth, email, password)).user.uid;
      } catch {
        return (await createUserWithEmailAndPassword(auth, email, password)).user.uid;
      }
    },
    signOut: () => signOut(auth),
    acceptFocusSession: (request) => call<AcceptFocusSessionResponse>('acceptFocusSession', request),
    getMyStreak: () => call<GetMyStreakResponse>('getMyStreak', {}),
    call,
    async readStreakDocument(userId) {
      return (await getDoc(doc(requireFirestore(), 'streaks', userId))).data();
    },
    watchStreakDocument(userId, onChange, onError) {
      return new Promise((resolve, reject) => {
        let answered = false;
        const unsubscribe = onSnapshot(
          doc(requireFirestore(), 'streaks', userId),
          { includeMetadataChanges: true },
          (snapshot) => {
            onChange(snapshot.data());
            if (!answered && !snapshot.metadata.fromCache) {
              answered = true;
              resolve(unsubscribe);
            }
          },
          (error) => {
            onError?.(error);
            reject(error);
          },
        );
      });
    },
    async close() {
      if (firestore) await terminate(firestore);
      await deleteApp(app);
    },
  };
}
