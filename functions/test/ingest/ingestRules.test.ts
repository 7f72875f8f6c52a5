import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { conflictReject } from '../../src/ingest/conflictReject';
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

describe('one place for ingest rules, one catalogue of reject reasons', () => {
  it('a deleted user is rejected with the raw document dropped', () => {
    expect(deletedUserReject('sessions/s1', 'why')).toEqual({ path: 'sessions/s1', reason: 'deleted_user', detail: 'why', raw: null });
  });

  it('a conflict names the other copy where it is known, and keeps the document as evidence', () => {
    const session = { path: 'sessions/s1', sessionId: 's1', userId: 'u1', startMs: 0, endMs: 60_000, timeZone: 'UTC' };
    expect(conflictReject(session, null, { raw: 1 })).toEqual({ path: 'sessions/s1', reason: 'conflict', detail: 'session s1 is already stored with other content', raw: { raw: 1 } });
    expect(conflictReject(session, 'sessions/s0 earlier in this batch').detail).toBe('session s1 is already stored with other content (sessions/s0 earlier in this batch)');
    expect(conflictReject(session, null).raw).toEqual({ userId: 'u1', startTime: '1970-01-01T00:00:00.000Z', endTime: '1970-01-01T00:01:00.000Z', timezone: 'UTC' });
  });

  it.each([
    ['deleted_user', join('legacy', 'deletedUserReject.ts')],
    ['conflict', join('ingest', 'conflictReject.ts')],
    ['invalid_timezone', join('legacy', 'unknownZoneReject.ts')],
  ])('no ingest path builds a %s reject of its own: they all go through %s', (reason, builder) => {
    const offenders = [join(ROOT, 'functions', 'src'), join(ROOT, 'scripts', 'lib')]
      .flatMap(sources)
      .filter((file) => REJECT_LITERAL(reason).test(readFileSync(file, 'utf8')))
      .filter((file) => !file.endsWith(builder));
    expect(offenders).toEqual([]);
  });

  it('legacy documents are parsed, and their sessions checked against deleted users, only in functions/src/ingest (the bridge, the reconcile pass and every backfill source go through it)', () => {
    const RULES = /\b(parseLegacySession|parseLegacyUser|parseLegacyFriends|isLegacySessionOfDeletedUser)\(/;
    const offenders = [join(ROOT, 'functions', 'src'), join(ROOT, 'scripts', 'lib')]
      .flatMap(sources)
      .filter((file) => !file.includes(join('functions', 'src', 'ingest')) && !file.includes(join('functions', 'src', 'legacy')) && !file.endsWith(join('db', 'deletedUsers.ts')))
      .filter((file) => RULES.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('every reason a reject literal names is in the catalogue', () => {
    const named = [join(ROOT, 'functions', 'src'), join(ROOT, 'scripts', 'lib')]
      .flatMap(sources)
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(REJECT_LITERAL('[a-z_]+'))].map((m) => m[1]));
    expect(named.filter((reason) => !(REJECT_REASONS as readonly string[]).includes(reason))).toEqual([]);
  });
});
