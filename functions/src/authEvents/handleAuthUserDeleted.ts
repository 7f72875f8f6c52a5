import type { Runtime } from '../runtime';
import { accountDocuments, getRuntime } from '../runtime';
import { isTransient } from '../bridge/isTransient';
import { logs } from '../account/logs';
import { userIdSchema } from '../contract/userId';

/** What the v1 Auth trigger hands over: the deleted user's record (only the uid is used). */
export interface DeletedAuthUser {
  uid: string;
}

export interface AuthDeletionDependencies {
  runtime(): Promise<Runtime>;
}

/**
 * A Firebase Auth account was deleted: delete the user's data as deleteMyData does, and record that
 * the account is gone, so no writer stores anything for the uid again (an ID token stays valid for up
 * to an hour). The SQL part is one transaction (all or nothing); every step is idempotent. Any failure
 * is logged and thrown, so the event is retried (failurePolicy): a transient one as a retry, anything
 * else as an error that names the CLI to finish by hand. A uid that cannot name one document (a
 * custom token's "a/b") is refused: deleting by it would address another user's documents.
 */
export async function handleAuthUserDeleted(user: DeletedAuthUser, deps: AuthDeletionDependencies = { runtime: getRuntime }): Promise<void> {
  const by = 'authUserDeleted';
  const usable = userIdSchema.safeParse(user.uid);
  if (!usable.success) {
    logs.uidRefused({ by, uidLength: String(user.uid).length, reason: usable.error.issues.map((i) => i.message).join('; ') });
    return;
  }
  try {
    const runtime = await deps.runtime();
    const { deleteAccount } = await import('../account/deleteAccount');
    await deleteAccount(user.uid, { db: runtime.db.pool, documents: await accountDocuments(runtime), now: runtime.now, by, accountDeleted: true });
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (isTransient(error)) logs.deletionRetrying({ userId: user.uid, by, error: message });
    else logs.deletionFailed({ userId: user.uid, by, error: message, stack: (error as Error)?.stack });
    throw error;
  }
}
