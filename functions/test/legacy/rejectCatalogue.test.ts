import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REJECT_REASONS, deletedUserReject } from '../../src/legacy';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** A reject written out as an object literal, `{ path…, reason: '<reason>' … }` (a log field `reason:` alone is not one). */
const REJECT_LITERAL = (reason: string) => new RegExp(`\\{\\s*path[^{}]*?reason:\\s*'(${reason})'`, 'g');

describe('one catalogue of reject reasons', () => {
  it('a deleted user is rejected with the raw document dropped', () => {
    expect(deletedUserReject('sessions/s1', 'why')).toEqual({ path: 'sessions/s1', reason: 'deleted_user', detail: 'why', raw: null });
  });

  it('no ingest path builds a deleted_user reject of its own: they all go through deletedUserReject', () => {
    const offenders = [join(ROOT, 'functions', 'src'), join(ROOT, 'scripts', 'lib')]
      .flatMap(sources)
      .filter((file) => REJECT_LITERAL('deleted_user').test(readFileSync(file, 'utf8')))
      .filter((file) => !file.endsWith(join('legacy', 'deletedUserReject.ts')));
    expect(offenders).toEqual([]);
  });

  it('every reason a reject literal names is in the catalogue', () => {
    const named = [join(ROOT, 'functions', 'src'), join(ROOT, 'scripts', 'lib')]
      .flatMap(sources)
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(REJECT_LITERAL('[a-z_]+'))].map((m) => m[1]));
    expect(named.filter((reason) => !(REJECT_REASONS as readonly string[]).includes(reason))).toEqual([]);
  });
});
