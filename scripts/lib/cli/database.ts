import { readConfig } from '../../functions/src/config';
import { openDatabase, type Database } from '../../functions/src/db/pool';

/** Opens the database the environment points at (DATABASE_URL, Cloud SQL, else embedded). */
export async function openScriptDatabase(): Promise<Database> {
  return openDatabase(readConfig().database);
}

export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openScriptDatabase();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
