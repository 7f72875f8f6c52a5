// Apart from db/deletedUsers.ts so the callables' error mapping can name it without loading slonik at cold start.

/** SQLSTATE the database raises for a row of a deleted user that must not come back (sql/010, sql/014). */
export const DELETED_USER_SQLSTATE = 'FSDEL';

/** Whether an error (or its causes) is the database refusing a row of a deleted user. */
export function isDeletedUserRefusal(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === DELETED_USER_SQLSTATE) return true;
  }
  return false;
}

/** The Firebase Auth account of this uid was deleted: nothing is stored for it again, whoever asks. */
export class AccountDeletedError extends Error {
  readonly code = 'account/deleted';
  constructor(readonly userId: string, options?: { cause?: unknown }) {
    super(`the Firebase Auth account ${userId} was deleted; nothing is stored for it`, options);
    this.name = 'AccountDeletedError';
  }
}
