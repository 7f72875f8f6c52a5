import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { loadMigrations, planMigrations, MigrationError, type AppliedMigration } from './migrator';

/** The database lacks tables or functions the scripts need: say so, and how to fix it. */
export class NotMigratedError extends Error {
  readonly code = 'migration/not-migrated';
  constructor(message: string) {
    super(message);
    this.name = 'NotMigratedError';
  }
}

const appliedRow = z.object({ version: z.number(), name: z.string(), checksum: z.string(), appliedAt: z.coerce.date() });

/**
 * Compares schema_migrations with the files in sql/ before a script touches data, so an operator
 * reads "run npm run migrate" rather than `relation "backfill_runs" does not exist`.
 */
export async function requireMigrated(db: CommonQueryMethods, describe: string, dir?: string): Promise<void> {
  const { migrated, pending } = await pendingMigrations(db, describe, dir);
  if (!migrated) throw new NotMigratedError(`the database ${describe} is not migrated (no schema_migrations table); run npm run migrate first`);
  if (pending.length > 0) {
    throw new NotMigratedError(`the database ${describe} is behind sql/ (${pending.length} pending: ${pending.join(', ')}); run npm run migrate first`);
  }
}

/** The files of sql/ the database has not applied (all of them, and `migrated: false`, when it was never migrated). */
export async function pendingMigrations(db: CommonQueryMethods, describe: string, dir?: string): Promise<{ migrated: boolean; pending: string[] }> {
  const migrations = loadMigrations(dir);
  const exists = await db.oneFirst(sql.type(z.object({ exists: z.boolean() }))`select to_regclass('schema_migrations') is not null as exists`);
  if (!exists) return { migrated: false, pending: migrations.map((m) => m.file) };
  const applied: readonly AppliedMigration[] = await db.any(sql.type(appliedRow)`
    select version, name, checksum, applied_at as "appliedAt" from schema_migrations order by version`);
  try {
    return { migrated: true, pending: planMigrations(migrations, [...applied]).pending.map((m) => m.file) };
  } catch (error) {
    if (error instanceof MigrationError) throw new NotMigratedError(`the database ${describe} does not match sql/: ${error.message}`);
    throw error;
  }
}
