import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const DEMO_PROJECT = 'demo-focus-streaks';

export interface EmulatorPorts {
  auth: number;
  functions: number;
  firestore: number;
  pubsub: number;
  hub: number;
  logging: number;
}

export interface RunningEmulators {
  ports: EmulatorPorts;
  only: string[];
  stop(): Promise<void>;
}

/** Major version of the `java` on PATH, or null: the Firestore and Pub/Sub emulators need 21+. */
export function javaMajorVersion(): number | null {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return null;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/**
 * Starts `firebase emulators:start` for the functions codebase against `databaseUrl` and resolves
 * once every emulator is ready. Ports other than firebase.json's need a generated config file.
 */
export async function startEmulators(options: {
  databaseUrl: string;
  only: string[];
  ports?: EmulatorPorts;
  env?: Record<string, string>;
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<RunningEmulators> {
  const base = JSON.parse(readFileSync(path.join(REPO_ROOT, 'firebase.json'), 'utf8'));
  const ports: EmulatorPorts = options.ports ?? {
    auth: base.emulators.auth.port,
    functions: base.emulators.functions.port,
    firestore: base.emulators.firestore.port,
    pubsub: base.emulators.pubsub.port,
    hub: 4400,
    logging: 4500,
  };
  let configArgs: string[] = [];
  if (options.ports) {
    // The CLI resolves functions/ relative to the config file, so the generated file sits at the root.
    const file = path.join(REPO_ROOT, `.firebase.${ports.functions}.json`);
    const emulators = {
      ...base.emulators,
      auth: { host: '127.0.0.1', port: ports.auth },
      functions: { host: '127.0.0.1', port: ports.functions },
      firestore: { host: '127.0.0.1', port: ports.firestore },
      pubsub: { host: '127.0.0.1', port: ports.pubsub },
      hub: { host: '127.0.0.1', port: ports.hub },
      logging: { host: '127.0.0.1', port: ports.logging },
    };
    writeFileSync(file, JSON.stringify({ ...base, emulators }, null, 2));
    configArgs = ['--config', file];
  }
  const firebaseBin = path.join(REPO_ROOT, 'node_modules', '.bin', 'firebase');
  const child = spawn(firebaseBin, ['emulators:start', '--only', options.only.join(','), '--project', DEMO_PROJECT, ...configArgs], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      DATABASE_URL: options.databaseUrl,
      GCLOUD_PROJECT: DEMO_PROJECT,
      // Second guard (DESIGN §8): nothing in the stack may probe the cloud metadata server.
      METADATA_SERVER_DETECTION: 'none',
      // The CLI asks the npm registry whether firebase-functions is current (`npm show`) and
      // whether it is itself: keep both on this machine.
      npm_config_offline: 'true',
      NO_UPDATE_NOTIFIER: '1',
    },
  });
  const output: string[] = [];
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      // The CLI spawns function workers: signal the whole process group.
      process.kill(-child.pid!, 'SIGINT');
      setTimeout(() => {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      }, 10_000).unref();
    });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`emulators not ready after ${options.readyTimeoutMs ?? 120_000} ms:\n${output.slice(-30).join('\n')}`));
    }, options.readyTimeoutMs ?? 120_000);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        options.onLine?.(line);
        if (line.includes('All emulators ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulators exited with code ${code}:\n${output.slice(-30).join('\n')}`));
    });
  });
  return { ports, only: options.only, stop };
}
