import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// Who may import whom, checked on every run so a shortcut fails CI instead of surviving review.
// functions/src is deployed on its own: it never reaches into scripts/ or test code. scripts/ shares
// functions/src through the modules meant for reuse, never through the deployment edge (the
// deployed entry, trigger options, the per-instance runtime and the handlers). Test helpers used by
// more than one folder live in functions/test/support/.

const ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(ROOT, 'functions/src');
const TEST = path.join(ROOT, 'functions/test');
const SCRIPTS = path.join(ROOT, 'scripts');
const SUPPORT = path.join(TEST, 'support');

/** What scripts/ may import from functions/src; anything else there belongs to the deployed functions alone. */
const SHARED_WITH_SCRIPTS = ['config.ts', 'accept/', 'account/', 'contract/', 'db/', 'domain/', 'firebase/', 'ingest/', 'legacy/', 'outbox/', 'projection/'];
/** Packages only tests use: deployed code must not need them. */
const TEST_ONLY_PACKAGES = ['jest', '@jest/globals', 'fast-check', 'firebase-functions-test', '@firebase/rules-unit-testing'];

interface Import {
  file: string;
  specifier: string;
  /** The absolute path (without extension) a relative specifier points at. */
  target?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) ? [full] : [];
  });
}

const specifiers = (source: string): string[] =>
  [...stripComments(source).matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1] as string);

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function importsOf(file: string): Import[] {
  return specifiers(readFileSync(file, 'utf8')).map((specifier) => ({
    file,
    specifier,
    target: specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier).replace(/\.(ts|js)$/, '') : undefined,
  }));
}

const inside = (dir: string, target: string) => target === dir || target.startsWith(dir + path.sep);
const rel = (p: string) => path.relative(ROOT, p);
const describeImport = (i: Import) => `${rel(i.file)} imports ${i.specifier}`;

const srcImports = sourceFiles(SRC).flatMap(importsOf);
const scriptImports = sourceFiles(SCRIPTS).flatMap(importsOf);
const testImports = sourceFiles(TEST).flatMap(importsOf);

describe('functions/src', () => {
  it('has imports to check', () => {
    expect(srcImports.length).toBeGreaterThan(50);
  });

  it('never imports scripts/ or test code', () => {
    const outside = srcImports.filter((i) => (i.target !== undefined && !inside(SRC, i.target)) || TEST_ONLY_PACKAGES.includes(i.specifier));
    expect(outside.map(describeImport)).toEqual([]);
  });

  it('logs only through a catalogue (a logs.ts per folder), so every line is named and greppable', () => {
    const direct = srcImports.filter((i) => i.specifier.startsWith('firebase-functions/logger') && path.basename(i.file) !== 'logs.ts');
    expect(direct.map(describeImport)).toEqual([]);
  });
});

describe('scripts/', () => {
  it('uses functions/src only through the modules shared with scripts', () => {
    const shared = (target: string) => {
      const inSrc = path.relative(SRC, target);
      // A folder's index (…/src/domain) counts as the folder.
      return SHARED_WITH_SCRIPTS.some((allowed) => (allowed.endsWith('/') ? `${inSrc}/`.startsWith(allowed) : `${inSrc}.ts` === allowed));
    };
    const edge = scriptImports.filter((i) => i.target !== undefined && inside(SRC, i.target) && !shared(i.target));
    expect(edge.map(describeImport)).toEqual([]);
  });

  it('never imports test code outside scripts/test, and only the shared support from functions/test', () => {
    const wrong = scriptImports.filter((i) => {
      if (i.target === undefined || !inside(TEST, i.target)) return false;
      return !inside(path.join(SCRIPTS, 'test'), i.file) || !inside(SUPPORT, i.target);
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });
});

describe('functions/test', () => {
  it('shares helpers between folders only through functions/test/support', () => {
    // The folder right under functions/test (outbox, projection, …) a file belongs to.
    const folderOf = (p: string) => path.relative(TEST, p).split(path.sep)[0];
    const crossing = testImports.filter((i) => {
      if (i.target === undefined || !inside(TEST, i.target) || inside(SUPPORT, i.target)) return false;
      return folderOf(i.target) !== folderOf(i.file);
    });
    expect(crossing.map(describeImport)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find imports, dynamic imports and requires, but not commented-out ones', () => {
    const source = `import { sql } from 'slonik';\n// import { x } from '../../scripts/x';\nconst a = require("pg");\nconst b = await import('./b');`;
    expect(specifiers(source)).toEqual(['slonik', 'pg', './b']);
  });

  it('resolve a relative import to the file it names', () => {
    const file = path.join(SRC, 'callables', 'x.ts');
    const [i] = specifiers(`import { y } from '../../../scripts/lib/y';`).map((specifier) => ({ file, specifier, target: path.resolve(path.dirname(file), specifier) }));
    expect(inside(SCRIPTS, i!.target)).toBe(true);
    expect(inside(SRC, i!.target)).toBe(false);
  });
});
