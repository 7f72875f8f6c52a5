// `npm run test:emulators`: the suite in this folder against real emulators. It starts what the
// machine can run (see describeEmulatorMode) on ports of its own, so it can run beside `npm start`,
// runs jest once with the stack's addresses in the environment, and stops everything it started.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startEmbeddedDatabase } from '../../src/db/embedded';
import { migrate } from '../../../scripts/lib/migrate/migrator';
import { createScratchDatabase } from '../../../scripts/lib/migrate/scratchDatabase';
import { buildFunctions } from '../../../scripts/lib/stack/buildFunctions';
import { describeEmulatorMode, detectEmulatorMode } from '../../../scripts/lib/stack/emulatorMode';
import { startEmulatorStack, type EmulatorStack } from '../../../scripts/lib/stack/emulatorStack';
import { freeEmulatorPorts, REPO_ROOT } from '../../../scripts/lib/stack/ports';
import type { StackDescription } from './support/stack';

async function main(): Promise<number> {
  const mode = detectEmulatorMode();
  if (mode.kind === 'none') {
    console.log(`test:emulators: NOT RUN on this machine: ${mode.reason}. Firestore, Pub/Sub, the rules and the whole loop are unproven here.`);
    return 0;
  }
  for (const line of describeEmulatorMode(mode)) console.log(line);
  const cleanups: Array<() => Promise<void>> = [];
  let cleaning: Promise<void> | undefined;
  // Once, in reverse order of starting; a second signal waits for the first clean-up.
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const fn of [...cleanups].reverse()) await fn().catch(() => {});
    })());
  process.on('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  process.on('SIGTERM', () => void cleanUp().then(() => process.exit(143)));
  try {
    const started = Date.now();
    let databaseUrl: string;
    if (process.env.DATABASE_URL) {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL, 'emulators');
      cleanups.push(scratch.drop);
      databaseUrl = scratch.url;
    } else {
      const embedded = await startEmbeddedDatabase({});
      cleanups.push(embedded.stop);
      databaseUrl = embedded.url;
    }
    await migrate(databaseUrl);
    buildFunctions();
    const ports = await freeEmulatorPorts();
    const stack: EmulatorStack = await startEmulatorStack({
      mode,
      ports,
      databaseUrl,
      // Nothing relays on a schedule here (specs that need the relay tick it), so the immediate publish
      // gets a generous wait on a loaded machine; the outage spec runs its own publisher and timeouts.
      params: { PUBLISH_TIMEOUT_MS: '5000' },
      onLine: process.env.EMULATOR_LOG ? (line) => console.log(`  | ${line}`) : undefined,
    });
    cleanups.push(stack.stop);
    console.log(`test:emulators: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (pids ${stack.pids.join(', ')}); running the suite`);

    const description: StackDescription = {
      mode: mode.kind,
      projectId: stack.projectId,
      ports,
      databaseUrl,
      bridgeTriggerWired: stack.bridgeTriggerWired,
      pubsubBinary: mode.cloudCli?.pubsubBinary ?? null,
    };
    return await runJest(stack, description, process.argv.slice(2));
  } catch (error) {
    console.error(`test:emulators: FAILED to start: ${(error as Error).message}`);
    return 1;
  } finally {
    await cleanUp();
  }
}

function runJest(stack: EmulatorStack, description: StackDescription, args: string[]): Promise<number> {
  const jest = path.join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const child = spawn(process.execPath, [jest, '-c', path.join(__dirname, 'jest.config.js'), '--runInBand', ...args], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      EMULATOR_STACK: JSON.stringify(description),
      FIRESTORE_EMULATOR_HOST: stack.hosts.firestore!,
      PUBSUB_EMULATOR_HOST: stack.hosts.pubsub!,
      FIREBASE_AUTH_EMULATOR_HOST: stack.hosts.auth,
      GCLOUD_PROJECT: stack.projectId,
      // Nothing in the suite may look for the cloud metadata server.
      METADATA_SERVER_DETECTION: 'none',
    },
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

void main().then((code) => process.exit(code));
