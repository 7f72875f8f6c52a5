import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The users a maintenance command works on, in id order and chunks (keyset, never offsets):
 * the given ids, or every user with sessions (--all).
 */
export async function* userChunks(db: CommonQueryMethods, selection: { all: true } | { ids: string[] }, chunkSize: number): AsyncGenerator<string[]> {
  if (!('all' in selection)) {
    const ids = [...new Set(selection.ids)].sort();
    for (let i = 0; i < ids.length; i += chunkSize) yield ids.slice(i, i + chunkSize);
    return;
  }
  let after = '';
  for (;;) {
    const ids = await db.anyFirst(sql.type(z.object({ id: z.string() }))`
      select u.id from users u
      where u.id > ${after} and exists (select from focus_sessions f where f.user_id = u.id)
      order by u.id limit ${chunkSize}`);
    if (ids.length === 0) return;
    yield [...ids];
    after = ids[ids.length - 1] as string;
  }
}

/** Parses --all / --user into a selection, or the problems with them. */
export function parseSelection(flags: { all?: boolean; user?: string[] }, problems: string[]): { all: true } | { ids: string[] } | null {
  const ids = flags.user ?? [];
  if (flags.all && ids.length > 0) problems.push('give either --all or --user <id…>, not both');
  if (!flags.all && ids.length === 0) problems.push('say whom: --all, or --user <id…>');
  for (const id of ids) if (id.length < 1 || id.length > 128) problems.push(`--user ${JSON.stringify(id)}: user ids are 1-128 characters`);
  if (flags.all) return { all: true };
  return ids.length > 0 ? { ids } : null;
}

export function parseChunk(value: string | undefined, problems: string[], fallback = 2000): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100_000) {
    problems.push('--chunk must be an integer from 1 to 100000');
    return fallback;
  }
  return n;
}
