import { streakEventSchema } from '../contract/streakEvent';
import { describeError, logs } from './logs';
import type { StreakPublisher } from './publisher';
import { withTimeout } from './withTimeout';

/**
 * Parses a stored outbox payload against the event contract and publishes it, waiting at most
 * `timeoutMs` for the acknowledgement, with the row's trace as the message's traceparent. Resolves null
 * once acknowledged, else the reason it was not.
 */
export async function publishPayload(publisher: StreakPublisher, outboxId: string, payload: unknown, timeoutMs: number, traceparent?: string | null): Promise<string | null> {
  const event = streakEventSchema.safeParse(payload);
  if (!event.success) {
    const problems = event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    logs.invalidOutboxPayload(outboxId, problems);
    return `invalid payload: ${problems.join('; ')}`;
  }
  try {
    await withTimeout(publisher.publish(event.data, traceparent ? { traceparent } : {}), timeoutMs);
    return null;
  } catch (error) {
    return describeError(error);
  }
}
