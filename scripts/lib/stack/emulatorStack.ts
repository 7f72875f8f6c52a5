import type { EmulatorMode } from './emulatorMode';
import { startFirebaseEmulators, type FirebaseEmulatorName } from './firebaseEmulators';
import { startFirestoreEmulator } from './firestoreEmulator';
import { DEMO_PROJECT, LOOPBACK, type EmulatorPorts } from './ports';
import type { ProcessGroup } from './processGroup';
import { descendantsOf, stopProcesses, type ProcessRecord } from './processTree';
import { guardThisProcess } from './stackGuard';

export interface EmulatorStack {
  mode: EmulatorMode;
  ports: EmulatorPorts;
  projectId: string;
  /** host:port of each emulator that runs, as the *_EMULATOR_HOST variables take them. */
  hosts: { auth: string; functions: string; firestore: string | null; pubsub: string | null };
  /** Whether the legacy bridge's Firestore trigger is wired (only when firebase-tools runs Firestore). */
  bridgeTriggerWired: boolean;
  /** Process ids of what it started, leaders of their process groups. */
  pids: number[];
  stop(): Promise<void>;
}

/**
 * The Firebase side of the local stack in the given mode: Auth and Functions always, Firestore and
 * Pub/Sub wherever they can run. The functions connect to `databaseUrl`.
 */
export async function startEmulatorStack(options: {
  mode: EmulatorMode;
  ports: EmulatorPorts;
  databaseUrl: string;
  params?: Record<string, string>;
  env?: Record<string, string>;
  onLine?: (line: string) => void;
}): Promise<EmulatorStack> {
  const { mode, ports } = options;
  // Whatever ends this process, what the stack spawns does not outlive it.
  await guardThisProcess();
  const started: ProcessGroup[] = [];
  const stop = async () => {
    // Taken before any group stops: firebase-tools runs the Pub/Sub JVM in a process group of its own
    // and stops only the script that launched it, so the JVM would outlive the CLI as an orphan.
    const below: ProcessRecord[] = started.flatMap((group) => descendantsOf(group.pid));
    for (const group of [...started].reverse()) await group.stop().catch(() => {});
    await stopProcesses(below);
  };
  const host = (port: number) => `${LOOPBACK}:${port}`;
  const env: Record<string, string> = { ...options.env, DATABASE_URL: options.databaseUrl };
  const only: FirebaseEmulatorName[] = ['auth', 'functions'];
  let binaries: { pubsub?: string; firestore?: string } = {};
  try {
    if (mode.kind === 'cloud-cli') {
      started.push(await startFirestoreEmulator({ jar: mode.cloudCli.firestoreJar, port: ports.firestore, websocketPort: ports.firestoreWebsocket, projectId: DEMO_PROJECT, onLine: options.onLine }));
      // firebase-tools does not know this Firestore; the functions find it through the variable.
      env.FIRESTORE_EMULATOR_HOST = host(ports.firestore);
      only.push('pubsub');
      binaries = { pubsub: mode.cloudCli.pubsubBinary };
    } else if (mode.kind === 'firebase-tools') {
      only.push('firestore', 'pubsub');
      // Where the Cloud CLI emulators exist, nothing needs downloading.
      if (mode.cloudCli) binaries = { pubsub: mode.cloudCli.pubsubBinary, firestore: mode.cloudCli.firestoreBinary };
    }
    started.push(await startFirebaseEmulators({ only, ports, env, params: options.params, binaries, onLine: options.onLine }));
  } catch (error) {
    await stop();
    throw error;
  }
  const runsFirestore = mode.kind !== 'none';
  return {
    mode,
    ports,
    projectId: DEMO_PROJECT,
    hosts: {
      auth: host(ports.auth),
      functions: host(ports.functions),
      firestore: runsFirestore ? host(ports.firestore) : null,
      pubsub: runsFirestore ? host(ports.pubsub) : null,
    },
    bridgeTriggerWired: mode.kind === 'firebase-tools',
    pids: started.map((g) => g.pid),
    stop,
  };
}

