import type { DocumentOptions } from 'firebase-functions/firestore';
import type { CallableOptions } from 'firebase-functions/https';
import type { PubSubOptions } from 'firebase-functions/pubsub';
import type { ScheduleOptions } from 'firebase-functions/scheduler';
import type { RuntimeOptions } from 'firebase-functions/v1';
import { params } from './config';

// How each deployed function is deployed, in one place. Options bind params (never their
// .value()), so each deployment sets them without code changes and nothing is read at import.

/** Every callable. App Check is enforced in the handler (requireCaller): the SDK would read the param at load. */
export const callableOptions: CallableOptions = {
  region: params.region,
  memory: params.memoryMb,
  concurrency: params.concurrency,
  maxInstances: params.maxInstances,
  timeoutSeconds: 30,
};

/** The projector: retried until written or too old (handleStreakMessage drops what retrying cannot fix). */
export const projectStreakOptions: PubSubOptions = { topic: params.streakTopic, region: params.region, retry: true, timeoutSeconds: 60 };

/**
 * Streak adjustments from the purchase backend: retried while the database is unavailable (handleAdjustmentMessage
 * stops after a day and drops what retrying cannot fix). Its instances bound its SQL connections (MAX_INSTANCES x DB_POOL_SIZE).
 */
// A purchase backend's trickle of grants: two instances keep its SQL connections out of the callables' budget.
export const applyStreakAdjustmentOptions: PubSubOptions = { topic: params.adjustmentsTopic, region: params.region, retry: true, timeoutSeconds: 60, maxInstances: 2 };

/** The relay: overlapping runs are safe, so the single instance only saves work. Its time budget stays under the timeout. */
export const relayStreakOutboxOptions: ScheduleOptions = { schedule: 'every 1 minutes', region: params.region, timeoutSeconds: 60, retryCount: 0, maxInstances: 1 };

/** The legacy bridge: retried while a failure is transient (handleLegacySession stops after a day). Its instances bound its connections. */
export const bridgeLegacySessionOptions: DocumentOptions<'sessions/{sessionId}'> = {
  document: 'sessions/{sessionId}',
  region: params.region,
  retry: true,
  timeoutSeconds: 60,
  maxInstances: params.bridgeMaxInstances,
};

/** The daily pruning: one instance; each batch is a short statement, and the time budget stays under the timeout. */
export const pruneTablesOptions: ScheduleOptions = { schedule: 'every day 03:17', region: params.region, timeoutSeconds: 540, retryCount: 0, maxInstances: 1 };

/** The Firestore half of deletions the caller did not finish: one instance, every 5 minutes; the time budget stays under the timeout. */
export const finishAccountDeletionsOptions: ScheduleOptions = { schedule: 'every 5 minutes', region: params.region, timeoutSeconds: 300, retryCount: 0, maxInstances: 1 };

/** The reverse mirror (MIRROR_TO_LEGACY): every minute, one instance; overlapping runs are safe (leases). Its time budget stays under the timeout. */
export const mirrorLegacySessionsOptions: ScheduleOptions = { schedule: 'every 1 minutes', region: params.region, timeoutSeconds: 60, retryCount: 0, maxInstances: 1 };

/**
 * The reconcile pass: Cloud Scheduler ticks every minute (a schedule cannot be bound to a param) and
 * the handler runs a pass on the minutes RECONCILE_EVERY_MINUTES picks. One instance: a pass reads
 * Firestore and writes SQL in bounded batches within the timeout; a missed tick waits for the next.
 */
export const reconcileLegacySessionsOptions: ScheduleOptions = { schedule: 'every 1 minutes', region: params.region, timeoutSeconds: 300, retryCount: 0, maxInstances: 1 };

/** Deletion on Firebase Auth account deletion (1st gen, region bound in index.ts): retried until done; two instances bound its connections (deletions are rare). */
export const authUserDeletedOptions: RuntimeOptions = { failurePolicy: true, timeoutSeconds: 120, maxInstances: 2 };
