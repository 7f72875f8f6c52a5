import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFunctions } from '../../../scripts/lib/stack/buildFunctions';

// The functions codebase as `firebase deploy` uploads it: functions/ without src/ and tests (see
// firebase.json's "ignore"), built to lib/. It must load on its own and describe every deployed function.
jest.setTimeout(120_000);

const FUNCTIONS_DIR = path.resolve(__dirname, '../..');
const REPO_ROOT = path.resolve(FUNCTIONS_DIR, '..');
const functionsPackage = JSON.parse(readFileSync(path.join(FUNCTIONS_DIR, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };

/** Packages the code names but never loads when deployed: the embedded database of local runs. */
const LOCAL_ONLY = new Map([
  ['@electric-sql/pglite', 'embedded database, started only where no database is configured and never when deployed'],
  ['@electric-sql/pglite-socket', 'embedded database, started only where no database is configured and never when deployed'],
]);

let upload: string;
let manifest: { endpoints: Record<string, Record<string, unknown>>; params: Array<{ name: string; default?: unknown; description?: string }> };

beforeAll(() => {
  upload = mkdtempSync(path.join(tmpdir(), 'functions-upload-'));
  cpSync(path.join(FUNCTIONS_DIR, 'package.json'), path.join(upload, 'package.json'));
  buildFunctions(path.join(upload, 'lib'));
  // Cloud Build installs functions/package.json's dependencies; here the workspace's installed tree stands in.
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(upload, 'node_modules'), 'dir');
  const manifestPath = path.join(upload, 'manifest.json');
  // What the Firebase CLI runs to discover the functions (the SDK's own discovery entry point).
  const discovery = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/firebase-functions/lib/bin/firebase-functions.js')], {
    cwd: upload,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, FUNCTIONS_MANIFEST_OUTPUT_PATH: manifestPath, GCLOUD_PROJECT: 'demo-deploy-check', METADATA_SERVER_DETECTION: 'none' },
  });
  if (discovery.status !== 0) throw new Error(`discovery failed:\n${discovery.stdout}${discovery.stderr}`);
  manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  // Loading the manifest must not have printed warnings (a param read at import time would).
  expect(`${discovery.stdout}${discovery.stderr}`).not.toMatch(/WARNING|invoked during function deployment/);
});

afterAll(() => {
  if (upload) rmSync(upload, { recursive: true, force: true });
});

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
}

/** Every module file a fresh process has loaded once it required the uploaded entry, as a cold start does. */
function modulesLoadedByEntry(): string[] {
  const probe = spawnSync(process.execPath, ['-e', "require('./lib/index.js'); process.stdout.write(JSON.stringify(Object.keys(require.cache)))"], {
    cwd: upload,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GCLOUD_PROJECT: 'demo-deploy-check', METADATA_SERVER_DETECTION: 'none' },
  });
  expect(probe.status).toBe(0);
  return JSON.parse(probe.stdout) as string[];
}

describe('the deployable functions codebase', () => {
  it('lists every deployed function with its trigger, region and options', () => {
    const region = '{{ params.FUNCTIONS_REGION }}';
    const e = manifest.endpoints;
    expect(Object.keys(e).sort()).toEqual(['acceptFocusSession', 'addFriend', 'applyStreakAdjustment', 'bridgeLegacySession', 'deleteDataOnAccountDeletion', 'deleteMyData', 'exportMyData', 'finishAccountDeletions', 'getFriends', 'getFriendsLeaderboard', 'getMyStreak', 'mirrorLegacySessions', 'projectStreak', 'pruneTables', 'reconcileLegacySessions', 'relayStreakOutbox', 'removeFriend', 'setDayStart']);
    for (const name of ['acceptFocusSession', 'getMyStreak', 'addFriend', 'removeFriend', 'getFriends', 'getFriendsLeaderboard', 'exportMyData', 'deleteMyData', 'setDayStart']) {
      expect(e[name]).toMatchObject({
        platform: 'gcfv2',
        region,
        callableTrigger: {},
        timeoutSeconds: 30,
        maxInstances: '{{ params.MAX_INSTANCES }}',
        concurrency: '{{ params.CONCURRENCY }}',
        availableMemoryMb: '{{ params.MEMORY_MB }}',
      });
    }
    expect(e.projectStreak).toMatchObject({
      platform: 'gcfv2',
      region,
      eventTrigger: { eventType: 'google.cloud.pubsub.topic.v1.messagePublished', eventFilters: { topic: '{{ params.STREAK_TOPIC }}' }, retry: true },
    });
    expect(e.applyStreakAdjustment).toMatchObject({
      platform: 'gcfv2',
      region,
      eventTrigger: { eventType: 'google.cloud.pubsub.topic.v1.messagePublished', eventFilters: { topic: '{{ params.ADJUSTMENTS_TOPIC }}' }, retry: true },
    });
    expect(e.relayStreakOutbox).toMatchObject({ platform: 'gcfv2', region, scheduleTrigger: { schedule: 'every 1 minutes' }, maxInstances: 1 });
    expect(e.bridgeLegacySession).toMatchObject({
      platform: 'gcfv2',
      region,
      eventTrigger: { eventType: 'google.cloud.firestore.document.v1.created.withAuthContext', eventFilterPathPatterns: { document: 'sessions/{sessionId}' }, retry: true },
    });
    expect(e.pruneTables).toMatchObject({ platform: 'gcfv2', region, scheduleTrigger: { schedule: 'every day 03:17' }, maxInstances: 1 });
    expect(e.finishAccountDeletions).toMatchObject({ platform: 'gcfv2', region, scheduleTrigger: { schedule: 'every 5 minutes' }, maxInstances: 1, timeoutSeconds: 300 });
    expect(e.mirrorLegacySessions).toMatchObject({ platform: 'gcfv2', region, scheduleTrigger: { schedule: 'every 1 minutes' }, maxInstances: 1, timeoutSeconds: 60 });
    // Ticks every minute; RECONCILE_EVERY_MINUTES decides in the handler which ticks run a pass.
    expect(e.reconcileLegacySessions).toMatchObject({ platform: 'gcfv2', region, scheduleTrigger: { schedule: 'every 1 minutes', retryConfig: { retryCount: 0 } }, maxInstances: 1, timeoutSeconds: 300 });
    expect(e.deleteDataOnAccountDeletion).toMatchObject({
      platform: 'gcfv1',
      region: [region],
      eventTrigger: { eventType: 'providers/firebase.auth/eventTypes/user.delete', retry: true },
      maxInstances: 2,
    });
    // Every function that opens SQL connections has a bounded number of instances.
    expect(e.bridgeLegacySession).toMatchObject({ maxInstances: '{{ params.BRIDGE_MAX_INSTANCES }}' });
    expect(e.applyStreakAdjustment).toMatchObject({ maxInstances: 2 });
  });

  it('declares every param with a default and a description', () => {
    expect(manifest.params.length).toBeGreaterThan(0);
    for (const param of manifest.params) {
      expect({ name: param.name, hasDefault: param.default !== undefined, hasDescription: Boolean(param.description) }).toEqual({ name: param.name, hasDefault: true, hasDescription: true });
    }
  });

  it('imports nothing from outside functions/ and only packages functions/package.json installs', () => {
    const declared = new Set(Object.keys(functionsPackage.dependencies));
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    const lib = path.join(upload, 'lib');
    for (const file of jsFiles(lib)) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/require\(["']([^"']+)["']\)/g)) {
        const target = match[1];
        const where = path.relative(lib, file);
        if (target.startsWith('.')) {
          const resolved = path.resolve(path.dirname(file), target);
          if (!resolved.startsWith(lib + path.sep)) problems.push(`${where}: ${target} leaves lib/`);
          continue;
        }
        const name = target.startsWith('node:') ? target.slice(5) : target;
        const pkg = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
        if (builtins.has(pkg) || declared.has(pkg) || LOCAL_ONLY.has(pkg)) continue;
        problems.push(`${where}: ${target} is not a dependency in functions/package.json`);
      }
    }
    expect(problems).toEqual([]);
    expect(functionsPackage.main).toBe('lib/index.js');
  });
  it('loads no SDK a function does not use when the entry loads: the Firestore client, the 1st-gen SDK, Pub/Sub and the database load where used', () => {
    // Every deployed function loads the entry at cold start (lazyTriggers.ts, runtime.ts); firebase-admin's app
    // and auth come with firebase-functions/https itself.
    const loaded = modulesLoadedByEntry();
    expect(loaded.filter((file) => /node_modules\/(@google-cloud\/firestore|@google-cloud\/pubsub|@google-cloud\/cloud-sql-connector|slonik|pg)\/|firebase-admin\/lib\/firestore\/|firebase-functions\/lib\/v1\/(index|function-builder)\.js$/.test(file))).toEqual([]);
  });
  it("loads no handler when the entry loads: each function's instance loads its own on its first call", () => {
    const ours = modulesLoadedByEntry().filter((file) => !file.includes('/node_modules/')).map((file) => path.relative(path.join(upload, 'lib'), file));
    expect(ours).toContain('index.js');
    // The declarations (options bind params) and the domain constants the params' defaults come from.
    expect(ours.filter((file) => !/^(index|lazyTriggers|triggerOptions|config)\.js$|^domain\//.test(file))).toEqual([]);
  });
});
