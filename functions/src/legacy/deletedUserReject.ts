import type { Reject } from './rejectReason';

/**
 * The one reject of a legacy document of a deleted user, shared by the bridge and every backfill
 * source: its raw document is never kept (nothing of a deleted user may come back), only path and why.
 */
export function deletedUserReject(path: string, detail: string): Reject {
  return { path, reason: 'deleted_user', detail, raw: null };
}
