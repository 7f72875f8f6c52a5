#!/usr/bin/env node
// `npm run test:emulators`: the rules and real-adapter tests under the Firestore and Pub/Sub
// emulators. firebase-tools' emulators need Java 21+; where it is missing, say so once and pass.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const REQUIRED_JAVA = 21;
const PROJECT = 'demo-focus-streaks';
const root = path.resolve(__dirname, '../../..');

function javaMajorVersion() {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return null;
  // e.g. `openjdk version "17.0.15"` or, before Java 9, `java version "1.8.0_402"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 && match[2] ? Number(match[2]) : major;
}

const java = javaMajorVersion();
if (java === null || java < REQUIRED_JAVA) {
  const found = java === null ? 'no java on PATH' : `found Java ${java}`;
  console.log(`test:emulators skipped: the Firestore and Pub/Sub emulators need Java ${REQUIRED_JAVA}+ (${found}).`);
  process.exit(0);
}

const jest = `npx jest -c ${JSON.stringify(path.join('functions', 'test', 'emulators', 'jest.config.js'))} --runInBand`;
const result = spawnSync('npx', ['firebase', 'emulators:exec', '--only', 'firestore,pubsub', '--project', PROJECT, jest], {
  cwd: root,
  stdio: 'inherit',
  // A second guard: nothing in the suite may look for the cloud metadata server.
  env: { ...process.env, METADATA_SERVER_DETECTION: 'none', GCLOUD_PROJECT: PROJECT },
});
if (result.error) {
  console.error(`test:emulators failed to start firebase emulators:exec: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
