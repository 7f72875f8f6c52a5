import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, signInWithEmailAndPassword, signOut, type Auth } from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable, type Functions } from 'firebase/functions';
import type {
  AcceptFocusSessionRequest,
  AcceptFocusSessionResponse,
  GetMyStreakResponse,
} from '../../functions/src/contract/callables';

/** The Firebase JS client SDK wired to the local emulators, calling the callables as a mobile app does. */
export interface AppClient {
  app: FirebaseApp;
  auth: Auth;
  functions: Functions;
  /** Signs in (creating the account on first use) and returns the uid. */
  signIn(email: string, password?: string): Promise<string>;
  signOut(): Promise<void>;
  acceptFocusSession(request: AcceptFocusSessionRequest | Record<string, unknown>): Promise<AcceptFocusSessionResponse>;
  getMyStreak(): Promise<GetMyStreakResponse>;
  close(): Promise<void>;
}

export function createAppClient(options: { projectId: string; authPort: number; functionsPort: number; region?: string; name?: string }): AppClient {
  const app = initializeApp({ projectId: options.projectId, apiKey: 'demo-api-key', authDomain: `${options.projectId}.firebaseapp.com` }, options.name ?? `app-${Math.random()}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://127.0.0.1:${options.authPort}`, { disableWarnings: true });
  const functions = getFunctions(app, options.region ?? 'us-central1');
  connectFunctionsEmulator(functions, '127.0.0.1', options.functionsPort);
  const accept = httpsCallable<unknown, AcceptFocusSessionResponse>(functions, 'acceptFocusSession');
  const streak = httpsCallable<unknown, GetMyStreakResponse>(functions, 'getMyStreak');
  return {
    app,
    auth,
    functions,
    async signIn(email, password = 'correct-horse-battery') {
      try {
        return (await signInWithEmailAndPassword(auth, email, password)).user.uid;
      } catch {
        return (await createUserWithEmailAndPassword(auth, email, password)).user.uid;
      }
    },
    signOut: () => signOut(auth),
    acceptFocusSession: async (request) => (await accept(request)).data,
    getMyStreak: async () => (await streak({})).data,
    close: () => deleteApp(app),
  };
}
