import { streakEventAttributes, streakEventSchema, type StreakEvent } from '../contract/streakEvent';

/** The parts of a Pub/Sub message the projector reads (firebase-functions' Message has more). */
export interface IncomingMessage {
  messageId?: string;
  /** Base64, as Pub/Sub delivers it. */
  data?: string;
  attributes?: Record<string, string>;
}

export type ParsedMessage = { ok: true; event: StreakEvent } | { ok: false; reason: 'not-json' | 'invalid-event' | 'attributes-mismatch'; problems: string[] };

/** Decodes and validates a streak-updated message; never throws, so a bad message cannot loop in retries. */
export function parseStreakMessage(message: IncomingMessage): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'not-json', problems: [error instanceof Error ? error.message : String(error)] };
  }
  const parsed = streakEventSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid-event', problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  }
  // Attributes are optional to a reader, but when present they must describe the same event.
  const expected = streakEventAttributes(parsed.data);
  const attributes = message.attributes ?? {};
  const problems = (Object.keys(expected) as Array<keyof typeof expected>)
    .filter((key) => key in attributes && attributes[key] !== expected[key])
    .map((key) => `attribute ${key} is ${JSON.stringify(attributes[key])} but data says ${JSON.stringify(expected[key])}`);
  if (problems.length > 0) return { ok: false, reason: 'attributes-mismatch', problems };
  return { ok: true, event: parsed.data };
}
