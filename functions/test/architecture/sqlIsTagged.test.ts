import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// SQL is built only with slonik's `sql` tag, whose interpolations become bound parameters. Strings
// glued into SQL (template literals handed to a driver, `sql.unsafe` with interpolations) are how
// injection gets in, so the source is scanned for them.
const ROOT = path.resolve(__dirname, '../../..');
const SOURCES = ['functions/src', 'scripts'];

/** Places that hand a driver text on purpose, and why that text cannot carry input. */
const ALLOWED = new Map<string, string>([
  ['scripts/lib/migrate/migrator.ts', 'runs the migration files of sql/ (repository files) and fixed statements with $n parameters'],
  ['scripts/lib/migrate/scratchDatabase.ts', 'creates and drops databases named from random hex (identifiers cannot be parameters)'],
  ['scripts/bench-backfill.ts', 'a benchmark running fixed statements against its own scratch database'],
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test' || e.name === 'node_modules' || e.name === 'lib' && dir === 'functions' ? [] : sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

describe('SQL is only built with the sql tag', () => {
  const files = SOURCES.flatMap(sourceFiles);

  it('finds the sources it scans', () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it.each(SOURCES)('no file under %s glues strings into SQL', (dir) => {
    const problems: string[] = [];
    for (const file of files.filter((f) => f.startsWith(dir))) {
      if (ALLOWED.has(file)) continue;
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      // sql.unsafe`…${x}…`: an interpolation that slonik would splice in as text.
      for (const m of text.matchAll(/sql\.unsafe`([^`]*)`/g)) if (m[1].includes('${')) problems.push(`${file}: sql.unsafe with an interpolation`);
      // A driver's query() given a template literal, a concatenation or a variable instead of a sql token.
      for (const m of text.matchAll(/\.query\(\s*([`'"][^)]*|[A-Za-z_$][\w$.]*\s*[+,)])/g)) {
        const arg = m[1];
        if (/^(sql\.|sql`)/.test(arg)) continue;
        problems.push(`${file}: .query(${arg.slice(0, 40)}…) is not a sql-tagged query`);
      }
      for (const m of text.matchAll(/['"`]\s*(select|insert|update|delete)\b[^'"`]*['"`]\s*\+/gi)) problems.push(`${file}: SQL built by concatenation near "${m[0].slice(0, 30)}"`);
    }
    expect(problems).toEqual([]);
  });
});
