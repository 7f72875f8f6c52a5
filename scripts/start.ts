import { readConfig, type Config } from '../functions/src/config';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../functions/src/db/embedded';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { migrate } from './lib/migrate/migrator';
import { buildFunctions } from './lib/stack/buildFunctions';
import { describeEmulatorMode, detectEmulatorMode, type EmulatorMode } from './lib/stack/emulatorMode';
import { startEmulatorStack, type EmulatorStack } from './lib/stack/emulatorStack';
import { DEMO_PROJECT, firstPortInUse, portsFromFirebaseJson, type EmulatorPorts } from './lib/stack/ports';
import { startSchedule } from './lib/stack/schedule';

const spec: CliSpec = {
  name: 'start',
  description: 'Run the local stack: database (embedded unless DATABASE_URL), migrations, functions build, Firebase emulators (Firestore and Pub/Sub where this machine can run them).',
  flags: [{ flag: '--quiet', description: "do not echo the emulators' output" }],
};

const RELAY_EVERY_MS = 60_000;

/** What this command started, stopped in reverse order by pid on Ctrl-C, SIGTERM or a failure. */
const running: { embedded?: EmbeddedDatabase; stack?: EmulatorStack; schedule?: { stop(): Promise<void> } } = {};
let stopping: Promise<void> | undefined;

/** Stops everything once; a second Ctrl-C (the terminal and tsx both deliver one) waits for the first. */
async function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    console.log('\nstopping…');
    await running.schedule?.stop().catch(() => {});
    await running.stack?.stop().catch(() => {});
    await running.embedded?.stop().catch(() => {});
  })();
  await stopping;
  process.exit(code);
}

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  if (cli.problems.length > 0) throw new UsageError(cli.problems, spec.name);
  const opts = cli.values as { quiet?: boolean };
  const config = readConfig();
  const ports = portsFromFirebaseJson();
  const mode = detectEmulatorMode();

  // A second stack would collide on every port: refuse at once, before starting anything.
  const taken = await firstPortInUse(portsNeeded(config, ports, mode));
  if (taken) {
    console.error(`error: port ${taken.port} (${taken.name}) on 127.0.0.1 is in use: is another \`npm start\` running? Stop it, or change the port in firebase.json (EMBEDDED_DB_PORT for the embedded database).`);
    return 1;
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    await startAll(config, ports, mode, opts.quiet ?? false);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return stop(1);
  }
  await new Promise(() => {});
});

function portsNeeded(config: Config, ports: EmulatorPorts, mode: EmulatorMode): Record<string, number> {
  const needed: Record<string, number> = { auth: ports.auth, functions: ports.functions, hub: ports.hub, logging: ports.logging, eventarc: ports.eventarc, tasks: ports.tasks };
  if (mode.kind !== 'none') Object.assign(needed, { firestore: ports.firestore, 'firestore websocket': ports.firestoreWebsocket, pubsub: ports.pubsub });
  if (!config.database.url && !config.database.cloudSql) needed['embedded database'] = config.database.embedded.port;
  return needed;
}

async function startAll(config: Config, ports: EmulatorPorts, mode: EmulatorMode, quiet: boolean): Promise<void> {
  let databaseUrl = config.database.url;
  let where = databaseUrl ? new URL(databaseUrl).host + new URL(databaseUrl).pathname : '';
  if (!databaseUrl) {
    running.embedded = await startEmbeddedDatabase({ dataDir: config.database.embedded.dataDir, port: config.database.embedded.port });
    databaseUrl = running.embedded.url;
    where = `embedded PGlite, data in ${config.database.embedded.dataDir}, served at ${databaseUrl}`;
  }
  const migrated = await migrate(databaseUrl, { log: (line) => console.log(`migrate: ${line}`) });
  console.log(`database: ${where} (${migrated.applied.length + migrated.appliedNow.length} migrations applied)`);

  console.log('building functions…');
  buildFunctions();

  for (const line of describeEmulatorMode(mode)) console.log(line);
  const stack = await startEmulatorStack({ mode, ports, databaseUrl, onLine: quiet ? undefined : (line) => console.log(`  | ${line}`) });
  running.stack = stack;
  if (stack.hosts.pubsub) {
    running.schedule = startSchedule({
      functionsPort: ports.functions,
      projectId: DEMO_PROJECT,
      functionName: 'relayStreakOutbox',
      everyMs: RELAY_EVERY_MS,
      onError: (error) => console.error(`relay schedule: ${error.message}`),
    });
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
stop:       Ctrl-C`);
}
