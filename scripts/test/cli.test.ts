import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { parseCommandLine, type CliSpec } from '../lib/cli/flags';
import { createScratchDatabase } from '../lib/migrate/scratchDatabase';
import { createTestDatabase, usesEmbeddedDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { misplacedLine, parseExportLine } from '../../functions/src/legacy';
import { runScript } from './support/runScript';

jest.setTimeout(120_000);
const FIXTURE = path.join(__dirname, 'fixtures/messy-export.ndjson');

describe('the flag-parsing kit', () => {
  const spec: CliSpec = {
    name: 'demo',
    description: 'a demo',
    flags: [
      { flag: '--chunk', value: '<n>', int: { min: 1, max: 10 }, default: 5, description: 'chunk' },
      { flag: '--user', value: '<id>', variadic: true, description: 'users' },
      { flag: '--no-project', description: 'no projection' },
      { flag: '--dry-run', description: 'dry' },
    ],
  };

  it('parses integers, variadic values, negated switches and applies defaults', () => {
    const parsed = parseCommandLine(spec, ['--chunk=7', '--user', 'a', 'b', '--no-project']);
    expect(parsed).toMatchObject({ help: false, values: { chunk: 7, user: ['a', 'b'], project: false, dryRun: undefined }, problems: [] });
    expect(parseCommandLine(spec, [])).toMatchObject({ values: { chunk: 5, project: true } });
  });

  it('lists every problem instead of stopping at the first one', () => {
    const parsed = parseCommandLine(spec, ['stray', '--chunck', '3', '--chunk', '0', '--dry-run=yes', '--user']);
    expect(parsed.help).toBe(false);
    if (parsed.help) return;
    expect(parsed.problems).toEqual([
      'unknown option --chunck (did you mean --chunk?)',
      '--dry-run takes no value',
      '--user needs a value <id>',
      'unexpected argument "stray"',
      'unexpected argument "3"',
      '--chunk must be an integer from 1 to 10, got "0"',
    ]);
  });

  it('refuses an empty --flag= even when a later one gives a value (found by the hostile corpus)', () => {
    const parsed = parseCommandLine(spec, ['--chunk=', '--chunk=3']);
    expect(!parsed.help && parsed.problems).toEqual(['--chunk needs a value <n>']);
  });

  it('refuses a flag given twice, so a bad first value cannot be replaced unchecked (found by the hostile corpus)', () => {
    const parsed = parseCommandLine(spec, ['--chunk=0', '--chunk', '3']);
    expect(!parsed.help && parsed.problems).toEqual(['--chunk is given more than once ("0", then "3"): give it once', '--chunk must be an integer from 1 to 10, got "0"']);
    // A variadic flag adds up instead.
    expect(parseCommandLine(spec, ['--user', 'a', '--user', 'b'])).toMatchObject({ values: { user: ['a', 'b'] }, problems: [] });
  });

  it('writes help with ranges and defaults one way', () => {
    const parsed = parseCommandLine(spec, ['--help']);
    expect(parsed.help && parsed.text).toMatch(/--chunk <n>\s+chunk \(1-10; default: 5\)/);
  });
});

describe('export lines without a collection', () => {
  const line = (json: unknown) => {
    const parsed = parseExportLine(JSON.stringify(json), 1, 'users');
    if (!parsed?.ok) throw new Error('unreadable');
    return parsed.doc;
  };

  it('refuses a session given to a users or streaks run, and names why', () => {
    const session = line({ id: 'a5', data: { userId: 'u', startTime: 1, endTime: 2 } });
    expect(misplacedLine(session, 'users')).toMatchObject({ path: 'users/a5', reason: 'invalid_path', detail: expect.stringContaining('is a session') });
    expect(misplacedLine(session, 'streaks')).not.toBeNull();
    expect(misplacedLine(line({ id: 'u1', data: { timezone: 'UTC' } }), 'users')).toBeNull();
    // A line that names its path is taken at its word.
    expect(misplacedLine(line({ path: 'users/a5', data: { startTime: 1 } }), 'users')).toBeNull();
  });
});

describe('scripts on a database that is not migrated', () => {
  const serverUrl = process.env.DATABASE_URL;
  const onServer = usesEmbeddedDatabase ? it.skip : it;

  onServer('name npm run migrate instead of failing on a missing relation', async () => {
    const scratch = await createScratchDatabase(serverUrl as string, 'test_unmigrated');
    try {
      for (const [script, args] of [['backfill.ts', ['users', '--from-file', FIXTURE]], ['verify.ts', ['--from-file', FIXTURE]], ['recompute.ts', ['--all']], ['reproject.ts', ['--all']]] as const) {
        const run = await runScript(script, [...args], scratch.url);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('is not migrated');
        expect(run.stderr).toContain('npm run migrate');
        expect(run.stderr).not.toContain('42P01');
      }
    } finally {
      await scratch.drop();
    }
  });

  onServer('say which migrations are pending when the database is behind sql/', async () => {
    const db: TestDatabase = await createTestDatabase();
    try {
      const latest = await db.pool.one(sql.type(z.object({ version: z.number(), name: z.string() }))`
        select version, name from schema_migrations order by version desc limit 1`);
      await db.pool.query(sql.unsafe`delete from schema_migrations where version = ${latest.version}`);
      const run = await runScript('recompute.ts', ['--all'], db.url);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('is behind sql/');
      expect(run.stderr).toContain(`${String(latest.version).padStart(3, '0')}_${latest.name}.sql`);
      expect(run.stderr).toContain('npm run migrate');
    } finally {
      await db.close();
    }
  });
});

describe('file flags', () => {
  it('words a directory given as --from-file as the flag error it is, the same in every script', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'not-a-file-'));
    // No database is touched: flags are checked first.
    const verify = await runScript('verify.ts', ['--from-file', dir], 'postgresql://nobody@127.0.0.1:1/none');
    const backfill = await runScript('backfill.ts', ['sessions', '--from-file', dir], 'postgresql://nobody@127.0.0.1:1/none');
    for (const run of [verify, backfill]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error: --from-file: ${dir} is not a readable file (it is a directory)`);
    }
  });
});
