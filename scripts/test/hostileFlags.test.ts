import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { CliSpec } from '../lib/cli/flags';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { FAR_TIMES, NON_FINITE, ONE_MB, UNICODE, corpusTally } from '../../functions/test/support/hostileValues';
import { changedTables, countAllRows } from '../../functions/test/support/tableRows';
import { runScript } from './support/runScript';

// The hostile corpus against every CLI's flags. Each scripts/*.ts is loaded with runCli captured, so
// its own main (its flag spec and its own checks) runs in-process on hostile command lines: every
// one must end in a usage error listing its problems (runCli prints them and exits 2) before the
// script touches anything. A few real runs check the exit code and the printed lines end to end.
jest.setTimeout(120_000);
// One seed for the whole corpus, printed before the first run so that any CI log can replay it:
// HOSTILE_SEED=<seed> npx jest scripts/test/hostileFlags.test.ts
const SEED = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : Math.floor(Math.random() * 2 ** 31);
// A usage error comes back in milliseconds; a command line that got past the checks starts real work.
const RUN_TIMEOUT_MS = 10_000;
const SCRIPTS_DIR = path.join(__dirname, '..');
const RUN_CLI = require.resolve('../lib/cli/runCli');
const FLAGS = require.resolve('../lib/cli/flags');
const RUNS_PER_SCRIPT = Number(process.env.HOSTILE_RUNS ?? 400) / 2;
const scripts = readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.ts'))
  .sort();

interface LoadedScript {
  main: () => Promise<number | void>;
  spec: CliSpec;
}

/** A script's main (captured from runCli) and its spec (captured from parseCommandLine on --help). */
async function load(script: string): Promise<LoadedScript> {
  let main: LoadedScript['main'] | undefined;
  let spec: CliSpec | undefined;
  jest.isolateModules(() => {
    jest.doMock(RUN_CLI, () => ({ ...jest.requireActual(RUN_CLI), runCli: (m: LoadedScript['main']) => void (main = m) }));
    jest.doMock(FLAGS, () => {
      const actual = jest.requireActual(FLAGS);
      return { ...actual, parseCommandLine: (s: CliSpec, argv: string[]) => ((spec = s), actual.parseCommandLine(s, argv)) };
    });
    require(path.join(SCRIPTS_DIR, script));
  });
  if (!main) throw new Error(`${script} does not run its main through runCli`);
  await withArgv(['--help'], main);
  if (!spec) throw new Error(`${script} does not parse its command line with parseCommandLine`);
  return { main, spec };
}

async function withArgv<T>(argv: string[], run: () => Promise<T>): Promise<T> {
  const saved = process.argv;
  process.argv = [saved[0] as string, 'script', ...argv];
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return await run();
  } finally {
    process.argv = saved;
    log.mockRestore();
    err.mockRestore();
  }
}

const hostileText = fc.oneof(
  fc.constantFrom(...UNICODE.filter((u) => u !== ONE_MB), ...FAR_TIMES.filter((t): t is string => typeof t === 'string'), ...NON_FINITE.filter((t): t is string => typeof t === 'string')),
  fc.constantFrom('-', '--', '=', '-1', '0', '99999999999999999999', '1e3', '0/0', '3/2', '-1/4', '../../etc/passwd', '/dev/null', '/nonexistent/dir/file.json', '$(rm -rf /)', 'a=b=c', '--=x'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** A command line with at least one certain problem first, then hostile flags and values in any order. */
function hostileArgv(spec: CliSpec): fc.Arbitrary<string[]> {
  const names = new Set(spec.flags.map((f) => f.flag));
  const ints = spec.flags.filter((f) => f.int);
  const switches = spec.flags.filter((f) => f.value === undefined);
  const commands = Object.keys(spec.commands?.choices ?? {});
  const certain: Array<fc.Arbitrary<string[]>> = [
    fc.string({ maxLength: 12 }).map((s) => `--zz-${s}`).filter((f) => !names.has(f.split('=')[0] as string)).map((f) => [f]),
  ];
  if (ints.length) {
    certain.push(
      fc.tuple(fc.constantFrom(...ints), fc.oneof(hostileText, fc.constantFrom('', '-1', '1.5', 'NaN', 'Infinity', ONE_MB))).filter(([f, v]) => !/^\d+$/.test(v.trim()) || Number(v) < f.int!.min || Number(v) > f.int!.max).map(([f, v]) => [`${f.flag}=${v}`]),
    );
  }
  if (switches.length) certain.push(fc.tuple(fc.constantFrom(...switches), hostileText).map(([f, v]) => [`${f.flag}=${v}`]));
  if (commands.length) certain.push(hostileText.filter((t) => !commands.includes(t) && !t.startsWith('-')).map((t) => [t]));
  const token = fc.oneof(
    fc.tuple(fc.constantFrom(...spec.flags), hostileText).map(([f, v]) => (f.value === undefined ? [f.flag] : [f.flag, v])),
    fc.tuple(fc.constantFrom(...spec.flags), hostileText).map(([f, v]) => [`${f.flag}=${v}`]),
    hostileText.map((t) => [t]),
    ...(commands.length ? [fc.constantFrom(...commands).map((c) => [c])] : []),
  );
  return fc
    .tuple(fc.oneof(...certain), fc.array(token, { maxLength: 6 }))
    .map(([first, rest]) => [...first, ...rest.flat()].filter((a) => a !== '--help' && a !== '-h'));
}

let db: TestDatabase;
const tally = corpusTally('CLI flags');
const savedUrl = process.env.DATABASE_URL;
beforeAll(async () => {
  if (!Number.isSafeInteger(SEED)) throw new Error(`HOSTILE_SEED must be an integer, got ${JSON.stringify(process.env.HOSTILE_SEED)}`);
  console.log(`hostile CLI flags: seed ${SEED} (replay with HOSTILE_SEED=${SEED} npx jest scripts/test/hostileFlags.test.ts)`);
  db = await createTestDatabase({ poolSize: 2 });
  // A script that went past its checks would touch this database, and the row counts would show it.
  process.env.DATABASE_URL = db.url;
});
afterAll(async () => {
  tally.print();
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  await db?.close();
});

describe('every CLI against hostile command lines', () => {
  it.each(scripts)('%s ends every hostile command line in a usage error that lists its problems, touching nothing', async (script) => {
    const { main, spec } = await load(script);
    const before = await countAllRows(db.pool);
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(hostileArgv(spec), async (argv) => {
        tried++;
        const outcome = await withArgv(argv, main).then(
          (code) => ({ ok: true as const, code }),
          (error: unknown) => ({ ok: false as const, error: error as { name?: string; problems?: unknown } }),
        );
        const shown = JSON.stringify(argv.map((a) => (a.length > 60 ? `${a.slice(0, 60)}…(${a.length})` : a)));
        if (outcome.ok) throw new Error(`${script} ${shown} ran (exit ${outcome.code ?? 0}) instead of refusing`);
        const { name, problems } = outcome.error;
        if (name !== 'UsageError' && name !== 'ConfigError') throw new Error(`${script} ${shown} failed with ${name}: ${String((outcome.error as Error).message)}`);
        if (!Array.isArray(problems) || problems.length === 0 || !problems.every((p) => typeof p === 'string' && p.length > 0)) {
          throw new Error(`${script} ${shown}: a usage error without problem lines`);
        }
      }),
      // No shrinking: every shrink step of a command line that got past the checks would start its work again.
      { numRuns: RUNS_PER_SCRIPT, seed: SEED, endOnFailure: true, plugins: [fc.timeout(RUN_TIMEOUT_MS)] },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nreplay: HOSTILE_SEED=${SEED} npx jest scripts/test/hostileFlags.test.ts -t '${script}'`);
    });
    tally.add(script, tried);
    expect(changedTables(before, await countAllRows(db.pool))).toEqual([]);
  });

  it('exits 2 and prints one error line per problem, end to end, and writes nothing', async () => {
    const before = await countAllRows(db.pool);
    const lines: Array<[string, string[]]> = [
      ['backfill.ts', ['sessions', '--dry-run', '--from-file', '/nonexistent/x.ndjson', '--batch-size=0', `--run-id=${UNICODE[4]}`, '--since', '0001-01-01T00:00:00Z', '--zz', 'extra']],
      ['recompute.ts', ['--user', '\u202Eevil', '--chunk=NaN', '--dry-run=1', '--', '--all']],
    ];
    for (const [script, args] of lines) {
      const run = await runScript(script, args, db.url);
      expect({ script, code: run.code }).toEqual({ script, code: 2 });
      const errorLines = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(errorLines.length).toBeGreaterThanOrEqual(2);
      expect(run.stderr).toContain(`(see npm run ${script.replace('.ts', '')} -- --help)`);
    }
    tally.add('spawned scripts', lines.length);
    expect(changedTables(before, await countAllRows(db.pool))).toEqual([]);
  });
});
