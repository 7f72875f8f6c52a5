import { handleLegacySession, type LegacySessionEvent } from './handleLegacySession';

/**
 * bridgeLegacySession: legacy app builds still write sessions/{id}; each goes through the same
 * accept path (source 'bridge'). Bad data is recorded and acknowledged; an unreachable database
 * throws, so the event is retried. The event carries who wrote the document (auth context).
 */
export async function handleBridgeLegacySession(event: LegacySessionEvent): Promise<void> {
  await handleLegacySession(event);
}
