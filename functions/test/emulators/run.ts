// `npm run test:emulators`: the rules and real-adapter tests under the Firestore and Pub/Sub
// emulators. firebase-tools' emulators need Java 21+; where it is missing, say so once and pass.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DEMO_PROJECT, javaMajorVersion, REPO_ROOT } from '../../../scripts/lib/emulators';

const REQUIRED_JAVA = 21;

const java = javaMajorVersion();
if (java === null || java < REQUIRED_JAVA) {
  const found = java === null ? 'no java on PATH' : `found Java ${java}`;
  console.log(`test:emulators skipped: the Firestore and Pub/Sub emulators need Java ${REQUIRED_JAVA}+ (${found}).`);
  process.exit(0);
}

const jest = `npx jest -c ${JSON.stringify(path.join('functions', 'test', 'emulators', 'jest.config.js'))} --runInBand`;
const result = spawnSync('npx', ['firebase', 'emulators:exec', '--only', 'firestore,pubsub', '--project', DEMO_PROJECT, jest], {
  cwd: REPO_ROOT,
  stdio: 'inherit',
  // A second guard: nothing in the suite may look for the cloud metadata server.
  env: { ...process.env, METADATA_SERVER_DETECTION: 'none', GCLOUD_PROJECT: DEMO_PROJECT },
});
if (result.error) {
  console.error(`test:emulators failed to start firebase emulators:exec: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
