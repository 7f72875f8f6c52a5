import { mkdirSync } from 'node:fs';
import net from 'node:net';

// The embedded database's URLs say what they reach (application_name), so every pool that connects,
// in this process or another (functions in the emulator, scripts beside npm start), knows that its
// connections share one PGlite session: no named prepared statements there (db/namedStatements.ts).
const EMBEDDED_APPLICATION = 'embedded-pglite';

/** The URL of the embedded database served on host:port. */
export function embeddedUrl(host: string, port: number): string {
  return `postgresql://postgres@${host}:${port}/postgres?sslmode=disable&application_name=${EMBEDDED_APPLICATION}`;
}

/** True for a URL of the embedded database (made by embeddedUrl). */
export function isEmbeddedUrl(url: string): boolean {
  try {
    return new URL(url).searchParams.get('application_name') === EMBEDDED_APPLICATION;
  } catch {
    return false;
  }
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite served over the Postgres wire protocol, so slonik/pg talk to it like a real server.
 * `dataDir` undefined keeps everything in memory (tests). Local development only.
 */
export async function startEmbeddedDatabase(options: { dataDir?: string; port?: number; host?: string }): Promise<EmbeddedDatabase> {
  // Loaded lazily: these are dev dependencies and never part of a deployed function.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  // One PGlite backend; extra connections queue per transaction instead of being reset.
  const server = new PGLiteSocketServer({ db, host, port, maxConnections: 100 });
  await server.start();
  return {
    url: embeddedUrl(host, port),
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** True when something accepts TCP connections there (e.g. `npm start` already serves the embedded database). */
export function isListening(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
