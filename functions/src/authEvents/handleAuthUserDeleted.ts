import type { Runtime } from '../runtime';
import { accountDocuments, getRuntime } from '../runtime';
import { isTransient } from '../bridge/isTransient';
import { logs } from '../account/logs';

/** What the v1 Auth trigger hands over: the deleted user's record (only the uid is used). */
export interface DeletedAuthUser {
  uid: string;
}

export interface AuthDeletionDependencies {
  runtime(): Promise<Runtime>;
}

/**
 * A Firebase Auth account was deleted: delete the user's data as deleteMyData does. The SQL part is
 * one transaction (all or nothing); every step is idempotent. Any failure is logged and thrown, so
 * the event is retried (failurePolicy): a transient one as a retry, anything else as an error that
 * names the CLI to finish by hand.
 */
export async function handleAuthUserDeleted(user: DeletedAuthUser, deps: AuthDeletionDependencies = { runtime: getRuntime }): Promise<void> {
  const by = 'authUserDeleted';
  try {
    const runtime = await deps.runtime();
    const { deleteAccount } = await import('../account/deleteAccount');
    await deleteAccount(user.uid, { db: runtime.db.pool, documents: await accountDocuments(runtime), now: runtime.now, by });
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (isTransient(error)) logs.deletionRetrying({ userId: user.uid, by, error: message });
    else logs.deletionFailed({ userId: user.uid, by, error: message, stack: (error as Error)?.stack });
    throw error;
  }
}
