import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { migrate, SQL_DIR } from '../lib/migrate/migrator';

// A database deployed before sql/ had its functions/ folder (migrations up to 012, each function as the
// migration that last defined it) upgrades in place to exactly the schema a fresh database gets: the same
// tables, columns, constraints, indexes, triggers and function definitions, compared in the catalog.

jest.setTimeout(120_000);

const LAST_BEFORE_FUNCTION_FILES = '012_accept_hot_path.sql';

/** sql/ as it was at 012: the migrations up to it, no function files. */
function sqlAt012(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sql-at-012-'));
  cpSync(path.join(SQL_DIR, 'migrations'), path.join(dir, 'migrations'), { recursive: true });
  for (const file of readdirSync(path.join(dir, 'migrations'))) if (file > LAST_BEFORE_FUNCTION_FILES) rmSync(path.join(dir, 'migrations', file));
  mkdirSync(path.join(dir, 'functions'));
  return dir;
}

const catalogRow = z.object({ kind: z.string(), name: z.string(), definition: z.string() });

/** Everything the schema is made of, one row per object, in a stable order. */
function schemaOf(db: TestDatabase) {
  return db.pool.any(sql.type(catalogRow)`
    select kind, name, definition from (
      select 'column' as kind, c.table_name || '.' || c.column_name as name,
             concat_ws(' ', c.data_type, c.is_nullable, c.column_default) as definition
      from information_schema.columns c where c.table_schema = current_schema()
      union all
      select 'constraint', t.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
      from pg_constraint k join pg_class t on t.oid = k.conrelid where t.relnamespace = current_schema()::regnamespace
      union all
      select 'index', i.indexname, i.indexdef from pg_indexes i where i.schemaname = current_schema()
      union all
      select 'trigger', t.tgname, pg_get_triggerdef(t.oid)
      from pg_trigger t join pg_class c on c.oid = t.tgrelid where c.relnamespace = current_schema()::regnamespace and not t.tgisinternal
      union all
      select 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid)
      from pg_proc p where p.pronamespace = current_schema()::regnamespace
      union all
      select 'table', c.relname, c.relkind::text || ' ' || c.relpersistence::text
      from pg_class c where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'v', 'm', 'S')
    ) s
    order by kind, name collate "C"`);
}

describe('a database at 012 upgraded in place', () => {
  let fresh: TestDatabase;
  let upgraded: TestDatabase;
  beforeAll(async () => {
    [fresh, upgraded] = await Promise.all([createTestDatabase({ poolSize: 2 }), createTestDatabase({ poolSize: 2, migrationsDir: sqlAt012() })]);
  });
  afterAll(async () => {
    await Promise.all([fresh?.close(), upgraded?.close()]);
  });

  it('starts without the function files, as the migrator of 012 left it', async () => {
    expect(await upgraded.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from schema_functions`)).toBe(0);
  });

  it('ends with the schema of a fresh database, function bodies included', async () => {
    const result = await migrate(upgraded.url);
    expect(result.functionsAppliedNow.length).toBeGreaterThan(0);
    const [a, b] = await Promise.all([schemaOf(fresh), schemaOf(upgraded)]);
    expect(b.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });
});
