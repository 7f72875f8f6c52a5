import { readConfig } from '../../../functions/src/config';
import { openDatabase, type Database } from '../../../functions/src/db/pool';
import { requireMigrated } from '../migrate/requireMigrated';

/** Opens the database the environment points at (DATABASE_URL, Cloud SQL, else embedded). */
export async function openScriptDatabase(): Promise<Database> {
  return openDatabase(readConfig().database);
}

/**
 * Runs `fn` with the configured database, checked to be migrated up to sql/ first (only the
 * migrate script itself passes `migrated: false`).
 */
export async function withDatabase<T>(fn: (db: Database) => Promise<T>, options: { migrated?: boolean } = {}): Promise<T> {
  const db = await openScriptDatabase();
  try {
    if (options.migrated !== false) await requireMigrated(db.pool, db.describe);
    return await fn(db);
  } finally {
    await db.close();
  }
}
