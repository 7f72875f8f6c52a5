import { existsSync } from 'node:fs';
import path from 'node:path';
import { readConfig, type Config } from '../functions/src/config';
import { startEmbeddedDatabase } from '../functions/src/db/embedded';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { migrate } from './lib/migrate/migrator';
import { buildFunctions } from './lib/stack/buildFunctions';
import { describeEmulatorMode, detectEmulatorMode, type EmulatorMode } from './lib/stack/emulatorMode';
import { startEmulatorStack } from './lib/stack/emulatorStack';
import { DEMO_PROJECT, freeEmulatorPorts, portsFromFirebaseJson, REPO_ROOT, type EmulatorPorts } from './lib/stack/ports';
import { startSchedule } from './lib/stack/schedule';
import { stopLeftoverStacks } from './lib/stack/stackRecords';
import { superviseExit, type ExitSupervisor } from './lib/stack/superviseExit';
import { takenPorts } from './lib/stack/takenPorts';

const spec: CliSpec = {
  name: 'start',
  description: 'Run the local stack: database (embedded unless DATABASE_URL), migrations, functions build, Firebase emulators (Firestore and Pub/Sub where this machine can run them).',
  flags: [
    { flag: '--quiet', description: "do not echo the emulators' output" },
    { flag: '--free-ports', description: "ports the OS hands out instead of firebase.json's, for a second stack beside another (npm run demo expects firebase.json's)" },
    { flag: '--no-build', description: 'skip the functions build: restart on the one already in functions/lib' },
  ],
};

const RELAY_EVERY_MS = 60_000;

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  if (cli.problems.length > 0) throw new UsageError(cli.problems, spec.name);
  const opts = cli.values as { quiet?: boolean; freePorts?: boolean; build: boolean };
  if (!opts.build && !existsSync(path.join(REPO_ROOT, 'functions/lib/index.js'))) {
    throw new UsageError(['--no-build needs a build in functions/lib: run npm start once without it (or npm run build)'], spec.name);
  }
  const config = readConfig();
  const mode = detectEmulatorMode();
  // Before anything starts: a signal during the start-up stops what has started so far.
  const supervisor = superviseExit((line) => console.log(line));

  for (const { command, stopped } of await stopLeftoverStacks()) {
    console.log(`stopped what an earlier ${command} left running: ${stopped.map((p) => `pid ${p.pid} (${p.cmdline.slice(0, 80)})`).join(', ')}`);
  }
  const ports = opts.freePorts ? await freeEmulatorPorts() : portsFromFirebaseJson();
  // A second stack would collide on every port: refuse at once, saying who holds what.
  const taken = await takenPorts(portsNeeded(config, ports, mode));
  if (taken.length > 0) {
    for (const line of taken) console.error(`error: ${line}`);
    return 1;
  }
  try {
    await startAll(config, ports, mode, { quiet: opts.quiet ?? false, build: opts.build }, supervisor);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return supervisor.exit(1);
  }
  await new Promise(() => {});
});

function portsNeeded(config: Config, ports: EmulatorPorts, mode: EmulatorMode): Record<string, number> {
  const needed: Record<string, number> = { auth: ports.auth, functions: ports.functions, hub: ports.hub, logging: ports.logging, eventarc: ports.eventarc, tasks: ports.tasks };
  if (mode.kind !== 'none') Object.assign(needed, { firestore: ports.firestore, 'firestore websocket': ports.firestoreWebsocket, pubsub: ports.pubsub });
  if (!config.database.url && !config.database.cloudSql) needed['embedded database'] = config.database.embedded.port;
  return needed;
}

async function startAll(config: Config, ports: EmulatorPorts, mode: EmulatorMode, how: { quiet: boolean; build: boolean }, supervisor: ExitSupervisor): Promise<void> {
  let databaseUrl = config.database.url;
  let where = databaseUrl ? new URL(databaseUrl).host + new URL(databaseUrl).pathname : '';
  if (!databaseUrl) {
    const embedded = await startEmbeddedDatabase({ dataDir: config.database.embedded.dataDir, port: config.database.embedded.port });
    supervisor.onStop(() => embedded.stop());
    databaseUrl = embedded.url;
    where = `embedded PGlite, data in ${config.database.embedded.dataDir}, served at ${databaseUrl}`;
  }
  const migrated = await migrate(databaseUrl, { log: (line) => console.log(`migrate: ${line}`) });
  console.log(`database: ${where} (${migrated.applied.length + migrated.appliedNow.length} migrations applied)`);

  if (how.build) {
    console.log('building functions…');
    buildFunctions();
  }

  for (const line of describeEmulatorMode(mode)) console.log(line);
  const stack = await startEmulatorStack({ mode, ports, databaseUrl, onLine: how.quiet ? undefined : (line) => console.log(`  | ${line}`) });
  supervisor.onStop(() => stack.stop());
  if (stack.hosts.pubsub) {
    const schedule = startSchedule({
      functionsPort: ports.functions,
      projectId: DEMO_PROJECT,
      functionName: 'relayStreakOutbox',
      everyMs: RELAY_EVERY_MS,
      onError: (error) => console.error(`relay schedule: ${error.message}`),
    });
    supervisor.onStop(() => schedule.stop());
  }
  if (stack.hosts.firestore) {
    // The reverse mirror writes legacy sessions/ (with MIRROR_TO_LEGACY on): Cloud Scheduler runs it every minute when deployed.
    const mirror = startSchedule({
      functionsPort: ports.functions,
      projectId: DEMO_PROJECT,
      functionName: 'mirrorLegacySessions',
      everyMs: RELAY_EVERY_MS,
      onError: (error) => console.error(`mirror schedule: ${error.message}`),
    });
    supervisor.onStop(() => mirror.stop());
  }
  const h = stack.hosts;
  console.log(`
local stack is up (project ${DEMO_PROJECT}; started pids ${stack.pids.join(', ')}):
  database   ${where}
  auth       http://${h.auth}
  functions  http://${h.functions}/${DEMO_PROJECT}/us-central1/{acceptFocusSession,getMyStreak}
  firestore  ${h.firestore ? `${h.firestore}  (streaks/{uid} is the projection; npm run demo watches it)` : 'off'}
  pubsub     ${h.pubsub ? `${h.pubsub}  (topic streak-updated; the outbox relay runs every ${RELAY_EVERY_MS / 1000} s)` : 'off: streak updates wait in streak_outbox'}
  bridge     ${stack.bridgeTriggerWired ? 'bridgeLegacySession fires on new sessions/{id}' : 'trigger off (see above)'}
try it:     npm run demo     (in another terminal)
stop:       Ctrl-C (or SIGTERM, SIGHUP: everything this command started stops, whichever way it ends)`);
}
