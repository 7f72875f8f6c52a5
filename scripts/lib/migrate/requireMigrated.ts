import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { loadFunctions, loadMigrations, planFunctions, planMigrations, MigrationError, type AppliedMigration } from './migrator';

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
 * Compares schema_migrations and schema_functions with the files in sql/ before a script touches data,
 * so an operator reads "run npm run migrate" rather than `relation "backfill_runs" does not exist`.
 */
export async function requireMigrated(db: CommonQueryMethods, describe: string, dir?: string): Promise<void> {
  const { migrated, pending } = await pendingMigrations(db, describe, dir);
  if (!migrated) throw new NotMigratedError(`the database ${describe} is not migrated (no schema_migrations table); run npm run migrate first`);
  if (pending.length > 0) {
    throw new NotMigratedError(`the database ${describe} is behind sql/ (${pending.length} pending: ${pending.join(', ')}); run npm run migrate first`);
  }
}

/**
 * The files of sql/ the database has not applied: migrations/ not recorded, functions/ whose recorded
 * checksum differs or whose function is missing (all of them, and `migrated: false`, when it was never migrated).
 */
export async function pendingMigrations(db: CommonQueryMethods, describe: string, dir?: string): Promise<{ migrated: boolean; pending: string[] }> {
  const migrations = loadMigrations(dir);
  const functions = loadFunctions(dir);
  const exists = await db.oneFirst(sql.type(z.object({ exists: z.boolean() }))`select to_regclass('schema_migrations') is not null as exists`);
  if (!exists) return { migrated: false, pending: [...migrations.map((m) => `migrations/${m.file}`), ...functions.map((f) => `functions/${f.file}`)] };
  const applied: readonly AppliedMigration[] = await db.any(sql.type(appliedRow)`
    select version, name, checksum, applied_at as "appliedAt" from schema_migrations order by version`);
  try {
    const pending = planMigrations(migrations, [...applied]).pending.map((m) => `migrations/${m.file}`);
    const recorded = (await db.oneFirst(sql.type(z.object({ exists: z.boolean() }))`select to_regclass('schema_functions') is not null as exists`))
      ? await db.any(sql.type(z.object({ name: z.string(), checksum: z.string() }))`select name, checksum from schema_functions`)
      : [];
    const existing = await db.anyFirst(sql.type(z.object({ proname: z.string() }))`
      select distinct p.proname from pg_proc p
      where p.pronamespace = current_schema()::regnamespace and p.proname = any (${sql.array(functions.map((f) => f.name), 'text')})`);
    const stale = planFunctions(functions, new Map(recorded.map((r) => [r.name, r.checksum])), new Set(existing));
    return { migrated: true, pending: [...pending, ...stale.map((f) => `functions/${f.file}`)] };
  } catch (error) {
    if (error instanceof MigrationError) throw new NotMigratedError(`the database ${describe} does not match sql/: ${error.message}`);
    throw error;
  }
}
