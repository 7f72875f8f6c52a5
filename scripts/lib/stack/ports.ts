import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const DEMO_PROJECT = 'demo-focus-streaks';
export const LOOPBACK = '127.0.0.1';

/** Every port the local stack listens on; all of them on 127.0.0.1. */
export interface EmulatorPorts {
  auth: number;
  functions: number;
  firestore: number;
  firestoreWebsocket: number;
  pubsub: number;
  hub: number;
  logging: number;
  eventarc: number;
  tasks: number;
}

interface FirebaseJsonEmulators {
  emulators: Record<string, { port?: number; websocketPort?: number } | boolean | undefined>;
}

export function readFirebaseJson(): FirebaseJsonEmulators & Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'firebase.json'), 'utf8'));
}

/** The ports firebase.json names: what `npm start` and the demo use. */
export function portsFromFirebaseJson(): EmulatorPorts {
  const { emulators } = readFirebaseJson();
  const port = (name: string, field: 'port' | 'websocketPort' = 'port') => {
    const entry = emulators[name];
    const value = typeof entry === 'object' ? entry?.[field] : undefined;
    if (typeof value !== 'number') throw new Error(`firebase.json: emulators.${name}.${field} must be a port number`);
    return value;
  };
  return {
    auth: port('auth'),
    functions: port('functions'),
    firestore: port('firestore'),
    firestoreWebsocket: port('firestore', 'websocketPort'),
    pubsub: port('pubsub'),
    hub: port('hub'),
    logging: port('logging'),
    eventarc: port('eventarc'),
    tasks: port('tasks'),
  };
}

/** Ports the OS hands out now, for a stack that must not collide with `npm start` or another run. */
export async function freeEmulatorPorts(): Promise<EmulatorPorts> {
  const servers: net.Server[] = [];
  const take = () =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      servers.push(server);
      server.once('error', reject);
      server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port));
    });
  try {
    // Held open together so that no two names get the same port.
    const [auth, functions, firestore, firestoreWebsocket, pubsub, hub, logging, eventarc, tasks] = await Promise.all(Array.from({ length: 9 }, take));
    return { auth, functions, firestore, firestoreWebsocket, pubsub, hub, logging, eventarc, tasks };
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** True when the port cannot be bound on 127.0.0.1 (something listens there, on any interface). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** Resolves once something accepts connections on the port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: LOOPBACK, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${LOOPBACK}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
