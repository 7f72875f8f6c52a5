import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { loadFunctions, loadMigrations, migrate, migrationStatus, MigrationError, SQL_DIR } from '../lib/migrate/migrator';

describe('migrator', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const copyOfSqlDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sql-'));
    cpSync(SQL_DIR, dir, { recursive: true });
    return dir;
  };

  it('applies nothing the second time', async () => {
    const again = await migrate(db.url);
    expect(again.appliedNow).toEqual([]);
    expect(again.pending).toEqual([]);
    expect(again.applied.map((a) => a.version)).toEqual(loadMigrations().map((m) => m.version));
  });

  it('creates every table of the design', async () => {
    const tables = await db.pool.manyFirst(
      sql.type(z.object({ table_name: z.string() }))`select table_name from information_schema.tables where table_schema = current_schema()`,
    );
    expect(tables).toEqual(
      expect.arrayContaining([
        'users', 'focus_sessions', 'daily_focus', 'streak_runs', 'user_streaks', 'friendships',
        'streak_outbox', 'backfill_runs', 'backfill_rejects', 'schema_migrations',
      ]),
    );
  });

  it('refuses to run when an applied migration was edited, naming the file', async () => {
    const dir = copyOfSqlDir();
    appendFileSync(path.join(dir, 'migrations', '001_init.sql'), '\ncreate table edited_later (id int);\n');
    await expect(migrate(db.url, { dir })).rejects.toMatchObject({
      code: 'migration/checksum-mismatch',
      message: expect.stringContaining('001_init.sql'),
    });
    await expect(migrationStatus(db.url, dir)).rejects.toBeInstanceOf(MigrationError);
  });

  it('lets the comments of an applied migration be reworded, and re-records what an earlier migrator recorded', async () => {
    const dir = copyOfSqlDir();
    appendFileSync(path.join(dir, 'migrations', '001_init.sql'), '\n-- a comment reworded after the fact\n');
    await expect(migrate(db.url, { dir })).resolves.toMatchObject({ appliedNow: [] });
    // Earlier migrators recorded the checksum of the whole text; such a database is up to date.
    const [init] = loadMigrations();
    await db.pool.query(sql.unsafe`update schema_migrations set checksum = ${init.earlierChecksums[0]} where version = 1`);
    await expect(migrate(db.url)).resolves.toMatchObject({ appliedNow: [] });
    expect(await db.pool.oneFirst(sql.type(z.object({ checksum: z.string() }))`select checksum from schema_migrations where version = 1`)).toBe(init.checksum);
  });

  it('refuses an applied migration whose file is gone', async () => {
    const dir = copyOfSqlDir();
    rmSync(path.join(dir, 'migrations', '012_accept_hot_path.sql'));
    await expect(migrate(db.url, { dir })).rejects.toMatchObject({ code: 'migration/unknown-applied', message: expect.stringContaining('012_accept_hot_path') });
  });

  it('rolls back a failing migration completely and records nothing', async () => {
    const dir = copyOfSqlDir();
    writeFileSync(path.join(dir, 'migrations', '900_broken.sql'), 'create table half_applied (id int);\nselect * from no_such_table;\n');
    await expect(migrate(db.url, { dir })).rejects.toMatchObject({ code: 'migration/failed', message: expect.stringContaining('900_broken.sql') });
    const exists = await db.pool.oneFirst(sql.type(z.object({ t: z.boolean() }))`select to_regclass('half_applied') is not null as t`);
    expect(exists).toBe(false);
    expect((await migrationStatus(db.url, dir)).pending.map((p) => p.file)).toEqual(['900_broken.sql']);
  });

  it('applies a function file once, again when it changes, and again after a migration dropped its function', async () => {
    const dir = copyOfSqlDir();
    const file = path.join(dir, 'functions', 'answer_to_everything.sql');
    writeFileSync(file, '-- a test function\ncreate or replace function answer_to_everything() returns int language sql as $$ select 41 $$;\n');
    const answer = () => db.pool.oneFirst(sql.type(z.object({ a: z.number() }))`select answer_to_everything() as a`);
    expect((await migrate(db.url, { dir })).functionsAppliedNow.map((f) => f.name)).toEqual(['answer_to_everything']);
    expect(await answer()).toBe(41);
    expect((await migrate(db.url, { dir })).functionsAppliedNow).toEqual([]);
    writeFileSync(file, '-- a test function\ncreate or replace function answer_to_everything() returns int language sql as $$ select 42 $$;\n');
    expect((await migrate(db.url, { dir })).functionsAppliedNow.map((f) => f.name)).toEqual(['answer_to_everything']);
    expect(await answer()).toBe(42);
    writeFileSync(path.join(dir, 'migrations', '903_drop_answer.sql'), 'drop function answer_to_everything();\n');
    expect((await migrate(db.url, { dir })).functionsAppliedNow.map((f) => f.name)).toEqual(['answer_to_everything']);
    expect(await answer()).toBe(42);
    await db.pool.query(sql.unsafe`drop function answer_to_everything()`);
    await db.pool.query(sql.unsafe`delete from schema_functions where name = 'answer_to_everything'`);
    await db.pool.query(sql.unsafe`delete from schema_migrations where version = 903`);
  });

  it('applies a function file after those it requires, and again when one of those changes', async () => {
    const dir = copyOfSqlDir();
    writeFileSync(path.join(dir, 'functions', 'zz_base.sql'), 'create or replace function zz_base() returns int language sql as $$ select 1 $$;\n');
    writeFileSync(path.join(dir, 'functions', 'aa_user.sql'), '-- requires: zz_base\ncreate or replace function aa_user() returns int language sql as $$ select zz_base() + 1 $$;\n');
    const order = loadFunctions(dir).map((f) => f.name);
    expect(order.indexOf('zz_base')).toBeLessThan(order.indexOf('aa_user'));
    await migrate(db.url, { dir });
    writeFileSync(path.join(dir, 'functions', 'zz_base.sql'), 'create or replace function zz_base() returns int language sql as $$ select 2 $$;\n');
    expect((await migrate(db.url, { dir })).functionsAppliedNow.map((f) => f.name)).toEqual(['zz_base', 'aa_user']);
    await db.pool.query(sql.unsafe`drop function aa_user()`);
    await db.pool.query(sql.unsafe`drop function zz_base()`);
    await db.pool.query(sql.unsafe`delete from schema_functions where name in ('aa_user', 'zz_base')`);
  });

  it('refuses function files that name no file they require, form a cycle, or define another function', () => {
    const withFunctions = (files: Record<string, string>) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sql-functions-'));
      mkdirSync(path.join(dir, 'functions'));
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'functions', name), text);
      return dir;
    };
    const fn = (name: string, requires = '') => `${requires ? `-- requires: ${requires}\n` : ''}create or replace function ${name}() returns int language sql as $$ select 1 $$;\n`;
    expect(() => loadFunctions(withFunctions({ 'a.sql': fn('a', 'missing') }))).toThrow(/requires missing, which has no file/);
    expect(() => loadFunctions(withFunctions({ 'a.sql': fn('a', 'b'), 'b.sql': fn('b', 'a') }))).toThrow(/cycle: a -> b -> a/);
    expect(() => loadFunctions(withFunctions({ 'a.sql': fn('b') }))).toThrow(/must define its function with "create or replace function a\("/);
  });

  it('dry run lists pending files and applies nothing', async () => {
    const dir = copyOfSqlDir();
    writeFileSync(path.join(dir, 'migrations', '902_dry.sql'), 'create table dry_table (id int);\n');
    const lines: string[] = [];
    await migrate(db.url, { dir, dryRun: true, log: (l) => lines.push(l) });
    expect(lines).toContain('would apply migrations/902_dry.sql');
    expect(await db.pool.oneFirst(sql.type(z.object({ t: z.boolean() }))`select to_regclass('dry_table') is not null as t`)).toBe(false);
  });

  it('rejects badly named migration files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sql-bad-'));
    mkdirSync(path.join(dir, 'migrations'));
    writeFileSync(path.join(dir, 'migrations', '1-init.sql'), 'select 1;');
    expect(() => loadMigrations(dir)).toThrow(/NNN_lower_snake_name/);
  });
});

// PGlite is a single backend, so advisory locks cannot serialize two of its "connections".
(usesEmbeddedDatabase ? describe.skip : describe)('migrator on real PostgreSQL', () => {
  it('applies each pending migration exactly once when two processes migrate at once', async () => {
    const db = await createTestDatabase();
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'sql-'));
      cpSync(SQL_DIR, dir, { recursive: true });
      writeFileSync(path.join(dir, 'migrations', '901_counter.sql'), 'create table migrated_once (id int primary key);\ninsert into migrated_once values (1);\n');
      const results = await Promise.all([migrate(db.url, { dir }), migrate(db.url, { dir }), migrate(db.url, { dir })]);
      expect(results.map((r) => r.appliedNow.length).sort()).toEqual([0, 0, 1]);
      expect(await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from migrated_once`)).toBe(1);
    } finally {
      await db.close();
    }
  });
});
