import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The domain is pure (no SDKs, no I/O, no clock), so its rules can be property-tested alone: checked here so CI fails when it is not.
const DOMAIN = path.resolve(__dirname, '../../src/domain');
const files = readdirSync(DOMAIN).filter((f) => f.endsWith('.ts'));

const specifiers = (source: string) =>
  [...source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]);

describe('functions/src/domain', () => {
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s imports only other domain modules', (file) => {
    const outside = specifiers(readFileSync(path.join(DOMAIN, file), 'utf8')).filter((s) => !/^\.\/[A-Za-z]+$/.test(s));
    expect(outside).toEqual([]);
  });

  it.each(files)('%s reads neither the environment nor the clock', (file) => {
    const source = readFileSync(path.join(DOMAIN, file), 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    expect(source).not.toMatch(/\bprocess\.|\bDate\.now\b|new Date\(\s*\)|Math\.random|\bglobalThis\b|\bfetch\(/);
  });

  it('catches a forbidden import (the check itself works)', () => {
    expect(specifiers(`import { sql } from 'slonik';\nconst x = require("firebase-admin");`)).toEqual(['slonik', 'firebase-admin']);
  });
});
