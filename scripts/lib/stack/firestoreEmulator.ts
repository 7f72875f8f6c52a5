import path from 'node:path';
import { LOOPBACK, REPO_ROOT, waitForPort } from './ports';
import { spawnGroup, type ProcessGroup } from './processGroup';

/**
 * The Cloud CLI's Firestore emulator, run from its jar with the project's rules (it runs on Java 17,
 * where firebase-tools would refuse). `java -jar` fails: the jar has no main manifest.
 */
export async function startFirestoreEmulator(options: {
  jar: string;
  port: number;
  websocketPort: number;
  projectId: string;
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<ProcessGroup> {
  const group = spawnGroup(
    'firestore emulator',
    'java',
    [
      '-cp', options.jar,
      'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
      '--host', LOOPBACK,
      '--port', String(options.port),
      '--websocket_port', String(options.websocketPort),
      '--project_id', options.projectId,
      '--single_project_mode', 'true',
      '--rules', path.join(REPO_ROOT, 'firestore.rules'),
    ],
    { cwd: REPO_ROOT, onLine: options.onLine },
  );
  try {
    await group.waitFor(/Dev App Server is now running/, options.readyTimeoutMs ?? 60_000);
    await waitForPort(options.port, 5_000);
  } catch (error) {
    await group.stop();
    throw error;
  }
  return group;
}
