import { decodeMessageData, type IncomingMessage } from '../contract/pubSubMessage';
import { streakEventAttributes, streakEventSchema, type StreakEvent } from '../contract/streakEvent';

export type ParsedMessage = { ok: true; event: StreakEvent } | { ok: false; reason: 'not-json' | 'invalid-event' | 'attributes-mismatch'; problems: string[] };

/** Decodes and validates a streak-updated message; never throws, so a bad message cannot loop in retries. */
export function parseStreakMessage(message: IncomingMessage): ParsedMessage {
  const parsed = decodeMessageData(message, streakEventSchema);
  if (!parsed.ok) return { ok: false, reason: parsed.stage === 'json' ? 'not-json' : 'invalid-event', problems: parsed.problems };
  // Attributes are optional to a reader, but when present they must describe the same event.
  const expected = streakEventAttributes(parsed.data);
  const attributes = message.attributes ?? {};
  const problems = (Object.keys(expected) as Array<keyof typeof expected>)
    .filter((key) => key in attributes && attributes[key] !== expected[key])
    .map((key) => `attribute ${key} is ${JSON.stringify(attributes[key])} but data says ${JSON.stringify(expected[key])}`);
  if (problems.length > 0) return { ok: false, reason: 'attributes-mismatch', problems };
  return { ok: true, event: parsed.data };
}
