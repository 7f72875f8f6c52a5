import type { CommonQueryMethods } from 'slonik';
import { usersWithSessionsAfter } from '../../../functions/src/db/users';

export type UserSelection = { all: true } | { ids: string[] };

/**
 * The users a maintenance command works on, in id order and chunks (keyset, never offsets):
 * the given ids, or every user with sessions (--all).
 */
export async function* userChunks(db: CommonQueryMethods, selection: UserSelection, chunkSize: number): AsyncGenerator<string[]> {
  if (!('all' in selection)) {
    const ids = [...new Set(selection.ids)].sort();
    for (let i = 0; i < ids.length; i += chunkSize) yield ids.slice(i, i + chunkSize);
    return;
  }
  let after = '';
  for (;;) {
    const ids = await usersWithSessionsAfter(db, after, chunkSize);
    if (ids.length === 0) return;
    yield [...ids];
    after = ids[ids.length - 1] as string;
  }
}

/** Parses --all / --user into a selection, or the problems with them. */
export function parseSelection(flags: { all?: boolean; user?: string[] }, problems: string[]): UserSelection | null {
  const ids = flags.user ?? [];
  if (flags.all && ids.length > 0) problems.push('give either --all or --user <id…>, not both');
  if (!flags.all && ids.length === 0) problems.push('say whom: --all, or --user <id…>');
  for (const id of ids) if (id.length < 1 || id.length > 128) problems.push(`--user ${JSON.stringify(id)}: user ids are 1-128 characters`);
  if (flags.all) return { all: true };
  return ids.length > 0 ? { ids: [...new Set(ids)] } : null;
}
