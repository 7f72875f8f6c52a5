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
  /** Reads `streaks/{userId}` as this client, under the security rules. */
  readStreakDocument(userId: string): Promise<DocumentData | undefined>;
  /** Listens to `streaks/{userId}` as an app does; returns the unsubscribe function. */
  watchStreakDocument(userId: string, onChange: (data: DocumentData | undefined) => void, onError?: (error: Error) => void): () => void;
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
      return onSnapshot(doc(requireFirestore(), 'streaks', userId), (snapshot) => onChange(snapshot.data()), (error) => onError?.(error));
    },
    async close() {
      if (firestore) await terminate(firestore);
      await deleteApp(app);
    },
  };
}
