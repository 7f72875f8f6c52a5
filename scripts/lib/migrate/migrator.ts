import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { readConfig } from '../../../functions/src/config';
import { proposedZones } from '../../../functions/src/db/timeZones';

/** sql/: `migrations/NNN_name.sql` (schema, applied once, in order) and `functions/<name>.sql` (current definitions). */
export const SQL_DIR = path.resolve(__dirname, '../../../sql');

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
  /** Checksums of the same statements recorded by earlier versions of the migrator. */
  earlierChecksums: string[];
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

/** The current definition of one SQL function, re-applied whenever its file changes (a repeatable migration). */
export interface SqlFunction {
  name: string;
  file: string;
  sql: string;
  checksum: string;
  /** Functions whose files must be applied first (`-- requires: a, b` at the top of the file). */
  requires: string[];
}

export type MigrationErrorCode = 'migration/bad-file' | 'migration/checksum-mismatch' | 'migration/unknown-applied' | 'migration/failed';

export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;
// Any constant works; it only has to be the same for every migrating process.
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Checksums recorded before comments counted for nothing: the whole text of these files before their
 * comments were reworded. A database that recorded one of them (or the whole text of today's file)
 * is up to date, and is given the comment-free checksum the next time it migrates.
 */
const CHECKSUMS_BEFORE_REWORDING: Record<number, string> = {
  1: 'e694a5a6b02db43477e5c7867558aba8a7e67db2d2a2254c845d8050b5a87e48',
  2: '2a0d77f194af75fb2e99e786256af39e33625439b1586ca3ec8074e4e58dbcbf',
  4: '243c85a26c83d3ab414ffe556b38cfe94928f5188b29ea9f4070e49a333c8cd4',
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What may not change once applied: the statements. Whole-line `--` comments and blank lines may change. */
export function migrationChecksum(sql: string): string {
  return sha256(sql.split('\n').filter((line) => line.trim() !== '' && !/^\s*--/.test(line)).join('\n'));
}

export function loadMigrations(dir: string = SQL_DIR): Migration[] {
  const migrationsDir = path.join(dir, 'migrations');
  const files = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Map<number, string>();
  return files.map((file) => {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new MigrationError('migration/bad-file', `${file}: migration files are named NNN_lower_snake_name.sql`);
    const version = Number(match[1]);
    const other = seen.get(version);
    if (other) throw new MigrationError('migration/bad-file', `${file}: version ${version} is also used by ${other}`);
    seen.set(version, file);
    const sql = readFileSync(path.join(migrationsDir, file), 'utf8');
    const earlier = [sha256(sql), CHECKSUMS_BEFORE_REWORDING[version]].filter((c): c is string => Boolean(c));
    return { version, name: match[2], file, sql, checksum: migrationChecksum(sql), earlierChecksums: earlier };
  });
}

const FUNCTION_FILE = /^([a-z][a-z0-9_]*)\.sql$/;

/**
 * The files of sql/functions, in the order their `-- requires:` lines ask for (a function after what
 * it requires, otherwise by name). Each file holds `create or replace function <its name>`.
 */
export function loadFunctions(dir: string = SQL_DIR): SqlFunction[] {
  const functionsDir = path.join(dir, 'functions');
  const byName = new Map<string, SqlFunction>();
  for (const file of readdirSync(functionsDir).filter((f) => f.endsWith('.sql')).sort()) {
    const match = FUNCTION_FILE.exec(file);
    if (!match) throw new MigrationError('migration/bad-file', `functions/${file}: function files are named <function_name>.sql`);
    const name = match[1] as string;
    const sql = readFileSync(path.join(functionsDir, file), 'utf8');
    if (!new RegExp(`^create or replace function ${name}\\(`, 'm').test(sql)) {
      throw new MigrationError('migration/bad-file', `functions/${file} must define its function with "create or replace function ${name}("`);
    }
    const requires = [...sql.matchAll(/^-- requires: (.+)$/gm)].flatMap((m) => (m[1] as string).split(',').map((r) => r.trim()).filter(Boolean));
    byName.set(name, { name, file, sql, checksum: sha256(sql), requires });
  }
  const ordered: SqlFunction[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (fn: SqlFunction, path: string[]) => {
    if (state.get(fn.name) === 'done') return;
    if (state.get(fn.name) === 'visiting') throw new MigrationError('migration/bad-file', `functions/: the requirements form a cycle: ${[...path, fn.name].join(' -> ')}`);
    state.set(fn.name, 'visiting');
    for (const required of fn.requires) {
      const dependency = byName.get(required);
      if (!dependency) throw new MigrationError('migration/bad-file', `functions/${fn.file} requires ${required}, which has no file in functions/`);
      visit(dependency, [...path, fn.name]);
    }
    state.set(fn.name, 'done');
    ordered.push(fn);
  };
  for (const fn of byName.values()) visit(fn, []);
  return ordered;
}

/**
 * The function files to apply: those whose checksum differs from the one recorded, that were never
 * applied, or whose function is missing (a migration dropped it), and everything that requires one.
 */
export function planFunctions(functions: SqlFunction[], recorded: ReadonlyMap<string, string>, existing: ReadonlySet<string>): SqlFunction[] {
  const stale = new Set(functions.filter((f) => recorded.get(f.name) !== f.checksum || !existing.has(f.name)).map((f) => f.name));
  // In dependency order, so one pass carries staleness to whatever requires a stale function.
  for (const fn of functions) if (fn.requires.some((r) => stale.has(r))) stale.add(fn.name);
  return functions.filter((f) => stale.has(f.name));
}

export interface MigrationPlan {
  applied: AppliedMigration[];
  pending: Migration[];
  /** Applied migrations whose recorded checksum is an earlier form of today's: re-recorded on migrate. */
  rechecksum: Migration[];
  /** Function files to (re-)apply after the pending migrations. */
  functions: SqlFunction[];
}

/** Compares files with what the database recorded; an edited or vanished applied migration is an error. */
export function planMigrations(migrations: Migration[], applied: AppliedMigration[]): Omit<MigrationPlan, 'functions'> {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new MigrationError(
        'migration/unknown-applied',
        `the database has migration ${String(row.version).padStart(3, '0')}_${row.name} applied, but no such file exists in sql/migrations/`,
      );
    }
    if (file.checksum !== row.checksum && !file.earlierChecksums.includes(row.checksum)) {
      throw new MigrationError(
        'migration/checksum-mismatch',
        `sql/migrations/${file.file} was edited after it was applied (checksum differs); add a new migration instead`,
      );
    }
  }
  const done = new Set(applied.map((a) => a.version));
  const stale = new Set(applied.filter((a) => byVersion.get(a.version)!.checksum !== a.checksum).map((a) => a.version));
  return { applied, pending: migrations.filter((m) => !done.has(m.version)), rechecksum: migrations.filter((m) => stale.has(m.version)) };
}

async function readApplied(client: Client): Promise<AppliedMigration[]> {
  const { rows } = await client.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    `select version, name, checksum, applied_at from schema_migrations order by version`,
  );
  return rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: r.applied_at }));
}

/** What schema_functions recorded, and which of the named functions exist (a migration may have dropped one). */
async function readFunctionState(client: Client, names: string[]): Promise<{ recorded: Map<string, string>; existing: Set<string> }> {
  const { rows: table } = await client.query<{ exists: boolean }>(`select to_regclass('schema_functions') is not null as exists`);
  const { rows: recorded } = table[0]!.exists
    ? await client.query<{ name: string; checksum: string }>(`select name, checksum from schema_functions`)
    : { rows: [] };
  const { rows: existing } = await client.query<{ proname: string }>(
    `select distinct p.proname from pg_proc p where p.pronamespace = current_schema()::regnamespace and p.proname = any ($1)`,
    [names],
  );
  return { recorded: new Map(recorded.map((r) => [r.name, r.checksum])), existing: new Set(existing.map((r) => r.proname)) };
}

export interface MigrateOptions {
  dryRun?: boolean;
  dir?: string;
  log?: (line: string) => void;
  /** The deployment's qualify threshold, for migrations that rebuild streaks; default QUALIFY_MINUTES (readConfig). */
  qualifySeconds?: number;
}

interface RuntimeContext {
  qualifySeconds: number;
  zones: { names: string[]; canonical: string[] };
}

/** What only the runtime knows: its proposal (ICU's canonical zone) for each zone PostgreSQL lists, and the qualify threshold. */
async function readRuntimeContext(client: Client, qualifySeconds: number | undefined): Promise<RuntimeContext> {
  const names = (await client.query<{ name: string }>('select name from pg_timezone_names')).rows.map((r) => r.name);
  const proposals = proposedZones(new Map(names.map((n) => [n.toLowerCase(), n])), names);
  const zones: RuntimeContext['zones'] = { names: [], canonical: [] };
  for (const [i, name] of names.entries()) {
    const proposal = proposals[i];
    if (proposal === null || proposal === undefined) continue;
    zones.names.push(name);
    zones.canonical.push(proposal);
  }
  return { qualifySeconds: qualifySeconds ?? readConfig().qualifySeconds, zones };
}

/**
 * Hands a migration, inside its transaction, what SQL cannot know: temp table runtime_zone_names
 * (name, canonical) and the setting focus.qualify_seconds. Both end with the transaction.
 */
async function provideRuntimeContext(client: Client, context: RuntimeContext): Promise<void> {
  await client.query('create temp table runtime_zone_names (name text primary key, canonical text not null) on commit drop');
  await client.query('insert into runtime_zone_names (name, canonical) select * from unnest($1::text[], $2::text[])', [context.zones.names, context.zones.canonical]);
  await client.query(`select set_config('focus.qualify_seconds', $1, true)`, [String(context.qualifySeconds)]);
}

/**
 * Applies pending migrations in order, each in its own transaction, then the function files that
 * changed (each in its own transaction), all under an advisory lock so two processes migrating at
 * once apply each exactly once.
 */
export async function migrate(url: string, options: MigrateOptions = {}): Promise<MigrationPlan & { appliedNow: Migration[]; functionsAppliedNow: SqlFunction[] }> {
  const log = options.log ?? (() => {});
  const migrations = loadMigrations(options.dir);
  const functions = loadFunctions(options.dir);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  const inTransaction = async (what: string, work: () => Promise<void>) => {
    try {
      await client.query('begin');
      await work();
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw new MigrationError('migration/failed', `sql/${what} failed and was rolled back: ${(error as Error).message}`, { cause: error });
    }
  };
  try {
    await client.query(`
      create table if not exists schema_migrations (
        version     integer primary key,
        name        text not null,
        checksum    text not null,
        applied_at  timestamptz not null default now()
      )`);
    await client.query(`
      create table if not exists schema_functions (
        name        text primary key,
        checksum    text not null,
        applied_at  timestamptz not null default now()
      )`);
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const plan = planMigrations(migrations, await readApplied(client));
      const appliedNow: Migration[] = [];
      const functionsAppliedNow: SqlFunction[] = [];
      if (options.dryRun) {
        for (const m of plan.pending) log(`would apply migrations/${m.file}`);
        const state = await readFunctionState(client, functions.map((f) => f.name));
        const stale = planFunctions(functions, state.recorded, state.existing);
        for (const f of stale) log(`would apply functions/${f.file}`);
        return { ...plan, functions: stale, appliedNow, functionsAppliedNow };
      }
      let context: RuntimeContext | null = null;
      for (const m of plan.rechecksum) await client.query('update schema_migrations set checksum = $1 where version = $2', [m.checksum, m.version]);
      for (const m of plan.pending) {
        context ??= await readRuntimeContext(client, options.qualifySeconds);
        await inTransaction(`migrations/${m.file}`, async () => {
          await provideRuntimeContext(client, context!);
          await client.query(m.sql);
          await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [m.version, m.name, m.checksum]);
        });
        appliedNow.push(m);
        log(`applied migrations/${m.file}`);
      }
      // After the migrations, which may have dropped a function or changed what one reads.
      const state = await readFunctionState(client, functions.map((f) => f.name));
      const stale = planFunctions(functions, state.recorded, state.existing);
      for (const f of stale) {
        await inTransaction(`functions/${f.file}`, async () => {
          await client.query(f.sql);
          await client.query(
            `insert into schema_functions (name, checksum) values ($1, $2)
             on conflict (name) do update set checksum = excluded.checksum, applied_at = now()`,
            [f.name, f.checksum],
          );
        });
        functionsAppliedNow.push(f);
        log(`applied functions/${f.file}`);
      }
      return { ...plan, functions: stale, appliedNow, functionsAppliedNow };
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

export async function migrationStatus(url: string, dir?: string): Promise<MigrationPlan> {
  const migrations = loadMigrations(dir);
  const functions = loadFunctions(dir);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ exists: boolean }>(`select to_regclass('schema_migrations') is not null as exists`);
    const plan = planMigrations(migrations, rows[0]!.exists ? await readApplied(client) : []);
    const state = await readFunctionState(client, functions.map((f) => f.name));
    return { ...plan, functions: planFunctions(functions, state.recorded, state.existing) };
  } finally {
    await client.end();
  }
}
