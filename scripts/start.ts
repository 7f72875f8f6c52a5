import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import { readConfig } from '../functions/src/config';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../functions/src/db/embedded';
import { runCli } from './lib/cli';
import { DEMO_PROJECT, javaMajorVersion, REPO_ROOT, startEmulators, type RunningEmulators } from './lib/emulators';
import { migrate } from './lib/migrator';

const program = new Command('start')
  .description('Run the local stack: database (embedded unless DATABASE_URL), migrations, functions build, Firebase emulators.')
  .option('--quiet', 'do not echo the emulators\' output');

runCli(async () => {
  const opts = program.parse().opts<{ quiet?: boolean }>();
  const config = readConfig();
  let embedded: EmbeddedDatabase | undefined;
  let emulators: RunningEmulators | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await emulators?.stop().catch(() => {});
    await embedded?.stop().catch(() => {});
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  let databaseUrl = config.database.url;
  let where = databaseUrl ? new URL(databaseUrl).host + new URL(databaseUrl).pathname : '';
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase({ dataDir: config.database.embedded.dataDir, port: config.database.embedded.port });
    databaseUrl = embedded.url;
    where = `embedded PGlite, data in ${config.database.embedded.dataDir}, served at ${embedded.url}`;
  }
  const migrated = await migrate(databaseUrl, { log: (line) => console.log(`migrate: ${line}`) });
  console.log(`database: ${where} (${migrated.applied.length + migrated.appliedNow.length} migrations applied)`);

  console.log('building functions…');
  const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(REPO_ROOT, 'functions/tsconfig.json')], { stdio: 'inherit' });
  if (build.status !== 0) return stop(1);

  const java = javaMajorVersion();
  const only = ['auth', 'functions'];
  if (java !== null && java >= 21) only.push('firestore', 'pubsub');
  else console.log(`Firestore and Pub/Sub emulators skipped: they need Java 21+ (found ${java ?? 'none'}); streak updates stay in the SQL outbox.`);

  emulators = await startEmulators({ databaseUrl, only, onLine: opts.quiet ? undefined : (line) => console.log(`  | ${line}`) });
  const p = emulators.ports;
  console.log(`
local stack is up (project ${DEMO_PROJECT}):
  database   ${where}
  auth       http://127.0.0.1:${p.auth}
  functions  http://127.0.0.1:${p.functions}/${DEMO_PROJECT}/us-central1/{acceptFocusSession,getMyStreak}${only.includes('firestore') ? `\n  firestore  127.0.0.1:${p.firestore}\n  pubsub     127.0.0.1:${p.pubsub}` : ''}
try it:     npm run demo     (in another terminal)
stop:       Ctrl-C`);
  await new Promise(() => {});
});
