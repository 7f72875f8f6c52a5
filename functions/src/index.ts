// What is deployed: one line per function, the trigger, its options and its handler. Handlers are
// exported from their folders and tested on their own; options live in triggerOptions.ts.
import { onCall } from 'firebase-functions/https';
import { onMessagePublished } from 'firebase-functions/pubsub';
import { onSchedule } from 'firebase-functions/scheduler';
import { handleAuthUserDeleted } from './authEvents/handleAuthUserDeleted';
import { handleBridgeLegacySession } from './bridge/bridgeLegacySession';
import { handleAcceptFocusSession } from './callables/acceptFocusSession';
import { handleGetMyStreak } from './callables/getMyStreak';
import { handleAddFriend } from './callables/addFriend';
import { handleGetFriends } from './callables/getFriends';
import { handleGetFriendsLeaderboard } from './callables/getFriendsLeaderboard';
import { handleRemoveFriend } from './callables/removeFriend';
import { handleExportMyData } from './callables/exportMyData';
import { handleDeleteMyData } from './callables/deleteMyData';
import { handleRelayStreakOutbox } from './outbox/relayStreakOutbox';
import { handlePruneTables } from './maintenance/pruneTables';
import { handleProjectStreak } from './projection/projectStreak';
// Two triggers whose SDK modules are heavy load them on first use (see lazyTriggers.ts); Firebase
// Auth's user deletion event exists only as a 1st-gen trigger.
import { onAuthUserDeleted, onDocumentCreated } from './lazyTriggers';
import { authUserDeletedOptions, bridgeLegacySessionOptions, callableOptions, projectStreakOptions, pruneTablesOptions, relayStreakOutboxOptions } from './triggerOptions';

export const acceptFocusSession = onCall(callableOptions, handleAcceptFocusSession);
export const getMyStreak = onCall(callableOptions, handleGetMyStreak);
export const addFriend = onCall(callableOptions, handleAddFriend);
export const removeFriend = onCall(callableOptions, handleRemoveFriend);
export const getFriends = onCall(callableOptions, handleGetFriends);
export const getFriendsLeaderboard = onCall(callableOptions, handleGetFriendsLeaderboard);
export const exportMyData = onCall(callableOptions, handleExportMyData);
export const deleteMyData = onCall(callableOptions, handleDeleteMyData);
export const projectStreak = onMessagePublished(projectStreakOptions, handleProjectStreak);
export const relayStreakOutbox = onSchedule(relayStreakOutboxOptions, handleRelayStreakOutbox);
export const bridgeLegacySession = onDocumentCreated(bridgeLegacySessionOptions, handleBridgeLegacySession);
export const pruneTables = onSchedule(pruneTablesOptions, handlePruneTables);
export const deleteDataOnAccountDeletion = onAuthUserDeleted(authUserDeletedOptions, handleAuthUserDeleted);
