import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { DEMO_PROJECT, LOOPBACK, readFirebaseJson, REPO_ROOT, type EmulatorPorts } from './ports';
import { spawnGroup, type ProcessGroup } from './processGroup';

export type FirebaseEmulatorName = 'auth' | 'functions' | 'firestore' | 'pubsub';

/**
 * `firebase emulators:start` for the functions codebase, on the given ports, resolving once every
 * emulator is ready. A config file is generated per run (beside firebase.json, since the CLI resolves
 * `functions/` relative to it) with every port explicit and on 127.0.0.1, and with its own folder for
 * the params file the CLI writes, so runs side by side never share state.
 */
export async function startFirebaseEmulators(options: {
  only: FirebaseEmulatorName[];
  ports: EmulatorPorts;
  /** Environment of the CLI and of the functions it runs (DATABASE_URL, emulator hosts …). */
  env: Record<string, string>;
  /** Param values for the functions (they win over the environment in the Functions emulator). */
  params?: Record<string, string>;
  /** Launchers the CLI runs instead of downloading its own emulators. */
  binaries?: { pubsub?: string; firestore?: string };
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<ProcessGroup> {
  const tag = `${options.ports.functions}-${process.pid}`;
  const configFile = path.join(REPO_ROOT, `.firebase.${tag}.json`);
  const stateDir = path.join('.data', 'emulators', tag);
  mkdirSync(path.join(REPO_ROOT, stateDir, 'discovery'), { recursive: true });
  writeFileSync(path.join(REPO_ROOT, stateDir, '.env.local'), Object.entries(options.params ?? {}).map(([k, v]) => `${k}=${v}\n`).join(''));
  writeFileSync(configFile, JSON.stringify(firebaseConfig(options.ports, stateDir), null, 2));

  const p = options.ports;
  const group = spawnGroup(
    'firebase emulators',
    path.join(REPO_ROOT, 'node_modules', '.bin', 'firebase'),
    ['emulators:start', '--only', options.only.join(','), '--project', DEMO_PROJECT, '--config', configFile],
    {
      cwd: REPO_ROOT,
      onLine: options.onLine,
      env: {
        ...withoutProxies(process.env),
        // The Functions emulator runs each request in flight in a worker process of its own (it ignores
        // `concurrency`), up to 50; on a small machine those cold loads time out and the emulator drops the
        // event without the retry Pub/Sub would make. Its work queue keeps the rest waiting instead.
        FUNCTIONS_EMULATOR_PARALLEL: String(Math.max(2, availableParallelism() * 2)),
        ...options.env,
        GCLOUD_PROJECT: DEMO_PROJECT,
        // Nothing in the stack may look for the cloud metadata server.
        METADATA_SERVER_DETECTION: 'none',
        // The CLI fetches a startup message unless CI is set, asks the npm registry whether
        // firebase-functions is current (`npm show`) and checks for its own updates.
        CI: 'true',
        npm_config_offline: 'true',
        NO_UPDATE_NOTIFIER: '1',
        // Else discovery serves the functions manifest on a random port bound to every interface.
        FIREBASE_FUNCTIONS_DISCOVERY_OUTPUT_PATH: path.join(REPO_ROOT, stateDir, 'discovery'),
        // The hub's own address, so tools that look it up never guess.
        FIREBASE_EMULATOR_HUB: `${LOOPBACK}:${p.hub}`,
        ...(options.binaries?.pubsub ? { PUBSUB_EMULATOR_BINARY_PATH: options.binaries.pubsub } : {}),
        ...(options.binaries?.firestore ? { FIRESTORE_EMULATOR_BINARY_PATH: options.binaries.firestore } : {}),
      },
    },
  );
  const cleanUp = () => {
    rmSync(configFile, { force: true });
    rmSync(path.join(REPO_ROOT, stateDir), { recursive: true, force: true });
  };
  try {
    await group.waitFor(/All emulators ready/, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await group.stop('SIGINT');
    cleanUp();
    throw error;
  }
  return {
    ...group,
    async stop(signal = 'SIGINT', graceMs) {
      // SIGINT lets the CLI shut its emulators down in order; the group is killed after the grace.
      await group.stop(signal, graceMs);
      cleanUp();
    },
  };
}

function firebaseConfig(p: EmulatorPorts, configDir: string) {
  const base = readFirebaseJson() as { functions: Array<Record<string, unknown>>; emulators: Record<string, unknown> };
  const at = (port: number) => ({ host: LOOPBACK, port });
  return {
    ...base,
    functions: base.functions.map((f) => ({ ...f, configDir })),
    emulators: {
      ...base.emulators,
      auth: at(p.auth),
      functions: at(p.functions),
      firestore: { ...at(p.firestore), websocketPort: p.firestoreWebsocket },
      pubsub: at(p.pubsub),
      hub: at(p.hub),
      logging: at(p.logging),
      eventarc: at(p.eventarc),
      tasks: at(p.tasks),
      ui: { enabled: false },
      singleProjectMode: true,
    },
  };
}

/** The CLI's calls to its own emulators on 127.0.0.1 must never go through a proxy. */
function withoutProxies(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !/^(https?|all|no)_proxy$/i.test(k)) out[k] = v;
  }
  out.NO_PROXY = out.no_proxy = `${LOOPBACK},localhost,::1`;
  return out;
}
