// What is deployed: one line per function, the trigger, its options and its handler. Handlers are
// exported from their folders and tested on their own; options live in triggerOptions.ts. Each
// handler is loaded on its function's first call (loadedOnFirstCall): an instance loads its own.
import { onCall } from 'firebase-functions/https';
import { onMessagePublished } from 'firebase-functions/pubsub';
import { onSchedule } from 'firebase-functions/scheduler';
// Two triggers whose SDK modules are heavy load them on first use (see lazyTriggers.ts); Firebase
// Auth's user deletion event exists only as a 1st-gen trigger.
import { loadedOnFirstCall as load, onAuthUserDeleted, onDocumentCreatedWithAuthContext } from './lazyTriggers';
import { applyStreakAdjustmentOptions, authUserDeletedOptions, bridgeLegacySessionOptions, callableOptions, finishAccountDeletionsOptions, mirrorLegacySessionsOptions, projectStreakOptions, pruneTablesOptions, reconcileLegacySessionsOptions, relayStreakOutboxOptions } from './triggerOptions';

export const acceptFocusSession = onCall(callableOptions, load(() => import('./callables/acceptFocusSession').then((m) => m.handleAcceptFocusSession)));
export const getMyStreak = onCall(callableOptions, load(() => import('./callables/getMyStreak').then((m) => m.handleGetMyStreak)));
export const addFriend = onCall(callableOptions, load(() => import('./callables/addFriend').then((m) => m.handleAddFriend)));
export const removeFriend = onCall(callableOptions, load(() => import('./callables/removeFriend').then((m) => m.handleRemoveFriend)));
export const getFriends = onCall(callableOptions, load(() => import('./callables/getFriends').then((m) => m.handleGetFriends)));
export const getFriendsLeaderboard = onCall(callableOptions, load(() => import('./callables/getFriendsLeaderboard').then((m) => m.handleGetFriendsLeaderboard)));
export const setDayStart = onCall(callableOptions, load(() => import('./callables/setDayStart').then((m) => m.handleSetDayStart)));
export const exportMyData = onCall(callableOptions, load(() => import('./callables/exportMyData').then((m) => m.handleExportMyData)));
export const deleteMyData = onCall(callableOptions, load(() => import('./callables/deleteMyData').then((m) => m.handleDeleteMyData)));
export const projectStreak = onMessagePublished(projectStreakOptions, load(() => import('./projection/projectStreak').then((m) => m.handleProjectStreak)));
export const applyStreakAdjustment = onMessagePublished(applyStreakAdjustmentOptions, load(() => import('./adjustments/applyStreakAdjustment').then((m) => m.handleApplyStreakAdjustment)));
export const relayStreakOutbox = onSchedule(relayStreakOutboxOptions, load(() => import('./outbox/relayStreakOutbox').then((m) => m.handleRelayStreakOutbox)));
export const bridgeLegacySession = onDocumentCreatedWithAuthContext(bridgeLegacySessionOptions, load(() => import('./bridge/bridgeLegacySession').then((m) => m.handleBridgeLegacySession)));
export const pruneTables = onSchedule(pruneTablesOptions, load(() => import('./maintenance/pruneTables').then((m) => m.handlePruneTables)));
export const reconcileLegacySessions = onSchedule(reconcileLegacySessionsOptions, load(() => import('./reconcile/reconcileLegacySessions').then((m) => m.handleReconcileLegacySessions)));
export const deleteDataOnAccountDeletion = onAuthUserDeleted(authUserDeletedOptions, load(() => import('./authEvents/handleAuthUserDeleted').then((m) => m.handleAuthUserDeleted)));
export const finishAccountDeletions = onSchedule(finishAccountDeletionsOptions, load(() => import('./account/finishAccountDeletions').then((m) => m.handleFinishAccountDeletions)));
export const mirrorLegacySessions = onSchedule(mirrorLegacySessionsOptions, load(() => import('./mirror/mirrorLegacySessions').then((m) => m.handleMirrorLegacySessions)));
