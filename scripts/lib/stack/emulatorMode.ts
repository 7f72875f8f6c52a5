import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** firebase-tools refuses to launch a Java emulator of its own below this version. */
export const FIREBASE_TOOLS_JAVA = 21;

export interface CloudCliEmulators {
  /** The Google Cloud CLI's Firestore emulator jar (package google-cloud-cli-firestore-emulator). */
  firestoreJar: string;
  /** Its launcher script, which takes the same flags as the jar. */
  firestoreBinary: string;
  /** The Pub/Sub emulator launcher (package google-cloud-cli-pubsub-emulator). */
  pubsubBinary: string;
}

/**
 * How Firestore and Pub/Sub run locally, decided once per start:
 * - `firebase-tools`: Java 21+, firebase-tools runs all four emulators and wires every trigger;
 * - `cloud-cli`: older Java, but the Cloud CLI emulators are installed: Firestore from its jar,
 *   Pub/Sub through firebase-tools, and the Firestore *trigger* of the legacy bridge is not wired;
 * - `none`: neither; Firestore and Pub/Sub are off and streak updates wait in the SQL outbox.
 */
export type EmulatorMode =
  | { kind: 'firebase-tools'; java: number; cloudCli: CloudCliEmulators | null }
  | { kind: 'cloud-cli'; java: number; cloudCli: CloudCliEmulators }
  | { kind: 'none'; reason: string };

export function detectEmulatorMode(env: NodeJS.ProcessEnv = process.env): EmulatorMode {
  const java = javaMajorVersion();
  const cloudCli = findCloudCliEmulators(env);
  if (java !== null && java >= FIREBASE_TOOLS_JAVA) return { kind: 'firebase-tools', java, cloudCli };
  if (java !== null && cloudCli) return { kind: 'cloud-cli', java, cloudCli };
  const javaText = java === null ? 'no java on PATH' : `Java ${java}`;
  const reason = cloudCli
    ? `${javaText}: the Cloud CLI emulators are installed but need Java to run`
    : `${javaText} (firebase-tools needs ${FIREBASE_TOOLS_JAVA}+) and no Google Cloud CLI emulators (google-cloud-cli-firestore-emulator, google-cloud-cli-pubsub-emulator)`;
  return { kind: 'none', reason };
}

/** One line each: what runs, and what is off and how to turn it on. */
export function describeEmulatorMode(mode: EmulatorMode): string[] {
  switch (mode.kind) {
    case 'firebase-tools':
      return [`emulators: Java ${mode.java}: firebase-tools runs Auth, Functions, Firestore and Pub/Sub; every trigger is wired, the legacy bridge included.`];
    case 'cloud-cli':
      return [
        `emulators: Java ${mode.java}: Firestore runs from the Google Cloud CLI jar, firebase-tools runs Auth, Functions and Pub/Sub; the projection is live.`,
        `emulators: the legacy bridge trigger (bridgeLegacySession on sessions/{id}) is OFF in this mode: firebase-tools wires Firestore triggers only when it runs Firestore itself, which needs Java ${FIREBASE_TOOLS_JAVA}+. Install Java ${FIREBASE_TOOLS_JAVA} to get it.`,
      ];
    case 'none':
      return [`emulators: Firestore and Pub/Sub are OFF (${mode.reason}); streak updates stay in the SQL outbox (streak_outbox) and the legacy bridge does not run.`];
  }
}

const javaVersions = new Map<string, number | null>();

/** Major version of the `java` on PATH, or null; asked once per PATH (a JVM start is a tenth of a second). */
export function javaMajorVersion(): number | null {
  const key = process.env.PATH ?? '';
  if (!javaVersions.has(key)) javaVersions.set(key, askJavaVersion());
  return javaVersions.get(key) ?? null;
}

function askJavaVersion(): number | null {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return null;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** The Cloud CLI's emulators, looked for under CLOUDSDK_ROOT_DIR, the Debian install, then `gcloud info`. */
export function findCloudCliEmulators(env: NodeJS.ProcessEnv = process.env): CloudCliEmulators | null {
  const roots = [env.CLOUDSDK_ROOT_DIR, '/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk'].filter((r): r is string => Boolean(r));
  const found = roots.map(emulatorsUnder).find((e) => e !== null);
  if (found) return found;
  const info = spawnSync('gcloud', ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8', timeout: 15_000 });
  const root = info.status === 0 ? info.stdout.trim() : '';
  return root ? emulatorsUnder(root) : null;
}

function emulatorsUnder(root: string): CloudCliEmulators | null {
  const emulators = {
    firestoreJar: path.join(root, 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar'),
    firestoreBinary: path.join(root, 'platform/cloud-firestore-emulator/cloud_firestore_emulator'),
    pubsubBinary: path.join(root, 'platform/pubsub-emulator/bin/cloud-pubsub-emulator'),
  };
  return Object.values(emulators).every((file) => existsSync(file)) ? emulators : null;
}
