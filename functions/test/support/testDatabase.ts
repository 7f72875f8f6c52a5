import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { readConfig } from '../../src/config';
import { embeddedUrl } from '../../src/db/embedded';
import { connect, type Database } from '../../src/db/pool';
import { migrate } from '../../../scripts/lib/migrate/migrator';
import { createScratchDatabase } from '../../../scripts/lib/migrate/scratchDatabase';

export interface TestDatabase extends Database {
  /** Drops everything this test file created. */
  close(): Promise<void>;
}

/**
 * An isolated, migrated database for one test file: a fresh database on the server that
 * DATABASE_URL names, else a fresh in-memory embedded PGlite. Files can run in parallel.
 * `migrationsDir` migrates from another folder (an older state, for tests of a migration).
 */
export async function createTestDatabase(options: { poolSize?: number; statementTimeoutMs?: number; migrationsDir?: string } = {}): Promise<TestDatabase> {
  const config = readConfig({ ...process.env, DB_POOL_SIZE: String(options.poolSize ?? 10), DB_STATEMENT_TIMEOUT_MS: String(options.statementTimeoutMs ?? 10_000) }).database;
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedServerProcess();
    await migrate(embedded.url, { dir: options.migrationsDir });
    const db = await connect(config, embedded.url, 'embedded (test)');
    return {
      ...db,
      async close() {
        await db.close();
        await embedded.stop();
      },
    };
  }
  const scratch = await createScratchDatabase(serverUrl, 'test');
  await migrate(scratch.url, { dir: options.migrationsDir });
  const db = await connect(config, scratch.url, `${scratch.name} (test)`);
  return {
    ...db,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}

/** A fresh in-memory embedded database in a child process (PGlite cannot load inside jest's VM). */
export async function startEmbeddedServerProcess(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'embeddedServer.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  // The child prints its port; the URL is the embedded database's, which pools recognise.
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (port) => resolve(embeddedUrl('127.0.0.1', Number(port))));
    child.once('exit', (code) => reject(new Error(`embedded database exited with code ${code}`)));
  });
  lines.close();
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const usesEmbeddedDatabase = !process.env.DATABASE_URL;
