// `npm run test:emulators`: the suite in this folder against real emulators. It starts what the
// machine can run (see describeEmulatorMode) on ports of its own, so it can run beside `npm start`,
// runs jest once with the stack's addresses in the environment, and stops everything it started,
// however the run ends (see superviseExit).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../../src/db/embedded';
import { migrate } from '../../../scripts/lib/migrate/migrator';
import { createScratchDatabase } from '../../../scripts/lib/migrate/scratchDatabase';
import { buildFunctions } from '../../../scripts/lib/stack/buildFunctions';
import { describeEmulatorMode, detectEmulatorMode } from '../../../scripts/lib/stack/emulatorMode';
import { startEmulatorStack, type EmulatorStack } from '../../../scripts/lib/stack/emulatorStack';
import { freeEmulatorPorts, REPO_ROOT } from '../../../scripts/lib/stack/ports';
import { stopLeftoverStacks } from '../../../scripts/lib/stack/stackRecords';
import { superviseExit, type ExitSupervisor } from '../../../scripts/lib/stack/superviseExit';
import type { StackDescription } from './support/stack';

async function main(): Promise<number> {
  const mode = detectEmulatorMode();
  if (mode.kind === 'none') {
    console.log(`test:emulators: NOT RUN on this machine: ${mode.reason}. Firestore, Pub/Sub, the rules and the whole loop are unproven here.`);
    return 0;
  }
  for (const line of describeEmulatorMode(mode)) console.log(line);
  // Before anything starts: a signal, a hang-up or a dead npm during the start-up stops what has started.
  const supervisor = superviseExit((line) => console.log(line));
  try {
    for (const { command, stopped } of await stopLeftoverStacks()) {
      console.log(`test:emulators: stopped what an earlier ${command} left running: ${stopped.map((p) => `pid ${p.pid}`).join(', ')}`);
    }
    const started = Date.now();
    let databaseUrl: string;
    if (process.env.DATABASE_URL) {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL, 'emulators');
      supervisor.onStop(scratch.drop);
      databaseUrl = scratch.url;
    } else {
      const embedded = await startEmbeddedDatabase({});
      supervisor.onStop(embedded.stop);
      databaseUrl = embedded.url;
    }
    await migrate(databaseUrl);
    buildFunctions();
    const ports = await freeEmulatorPorts();
    // Everything the emulators print (the functions' log lines among it), for specs that follow a trace.
    const stackLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'emulator-log-')), 'stack.log');
    writeFileSync(stackLog, '');
    const stack: EmulatorStack = await startEmulatorStack({
      mode,
      ports,
      databaseUrl,
      // Nothing relays on a schedule here (specs that need the relay tick it), so the immediate publish
      // gets a generous wait on a loaded machine; the outage spec runs its own publisher and timeouts.
      // The reconcile spec samples every user the suite's outbox holds, so the ones it made lag are among them.
      params: { PUBLISH_TIMEOUT_MS: '5000', RECONCILE_SAMPLE_USERS: '1000' },
      onLine: (line) => {
        appendFileSync(stackLog, `${line}\n`);
        if (process.env.EMULATOR_LOG) console.log(`  | ${line}`);
      },
    });
    supervisor.onStop(stack.stop);
    console.log(`test:emulators: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (pids ${stack.pids.join(', ')}); running the suite`);

    const description: StackDescription = {
      mode: mode.kind,
      projectId: stack.projectId,
      ports,
      databaseUrl,
      bridgeTriggerWired: stack.bridgeTriggerWired,
      pubsubBinary: mode.cloudCli?.pubsubBinary ?? null,
      stackLog,
    };
    return await supervisor.exit(await runJest(stack, description, process.argv.slice(2), supervisor));
  } catch (error) {
    console.error(`test:emulators: FAILED to start: ${(error as Error).message}`);
    return supervisor.exit(1);
  }
}

function runJest(stack: EmulatorStack, description: StackDescription, args: string[], supervisor: ExitSupervisor): Promise<number> {
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
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  // Stopped first when the run is ended from outside: it uses everything else.
  supervisor.onStop(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  });
  return exited;
}

void main().then((code) => process.exit(code));
