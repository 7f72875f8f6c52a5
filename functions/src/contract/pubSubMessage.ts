import type { z } from 'zod';

/** The parts of a Pub/Sub message the handlers read (firebase-functions' Message has more). */
export interface IncomingMessage {
  messageId?: string;
  /** Base64, as Pub/Sub delivers it. */
  data?: string;
  attributes?: Record<string, string>;
}

export type DecodedMessage<T> = { ok: true; data: T } | { ok: false; stage: 'json' | 'schema'; problems: string[] };

/** A message's data read as JSON and checked against `schema`; never throws, so a bad message cannot loop in retries. */
export function decodeMessageData<S extends z.ZodTypeAny>(message: IncomingMessage, schema: S): DecodedMessage<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8'));
  } catch (error) {
    return { ok: false, stage: 'json', problems: [error instanceof Error ? error.message : String(error)] };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, stage: 'schema', problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  return { ok: true, data: parsed.data };
}
