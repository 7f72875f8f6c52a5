// Deployed functions, one line each; handlers live beside their triggers and are tested on their own.
import { onCall } from 'firebase-functions/https';
import { handleAcceptFocusSession } from './callables/acceptFocusSession';
import { callableOptions } from './callables/callableOptions';
import { handleGetMyStreak } from './callables/getMyStreak';

export const acceptFocusSession = onCall(callableOptions, handleAcceptFocusSession);
export const getMyStreak = onCall(callableOptions, handleGetMyStreak);
export { projectStreak } from './projection/projectStreak';
export { relayStreakOutbox } from './outbox/relayStreakOutbox';
export { bridgeLegacySession } from './bridge/bridgeLegacySession';
