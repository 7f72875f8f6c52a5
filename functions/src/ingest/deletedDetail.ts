import type { Tombstone } from '../db/deletedUsers';

/** Why a deleted user's legacy document is refused (the deleted_user reject's detail); `written` says when the document was. */
export function deletedDetail(tombstone: Tombstone, written: string): string {
  return tombstone.accountDeletedAt !== null
    ? `the Firebase Auth account was deleted at ${tombstone.accountDeletedAt}`
    : `the user deleted their data at ${tombstone.deletedAt}, ${written}`;
}
