import { z } from 'zod';
import { SESSION_ID_PATTERN } from '../contract/callables';
import type { ExportPosition } from '../db/accountData';

// exportMyData's nextCursor: opaque to apps (base64url of a small JSON), checked like any input when
// it comes back. It only says where the caller's own sessions continue, so a forged one can only
// move within the caller's data; anything that does not decode to a position PostgreSQL can read is
// invalid-argument. Not signed: a signature would prove only what the keyset already bounds, and
// would need a secret to deploy and rotate.

/**
 * An instant PostgreSQL can read: a real calendar date and time (2025-02-30 is not one: Date.parse
 * rolls it over, PostgreSQL refuses it) of year 1 or later (PostgreSQL has no year 0).
 */
function isStorableInstant(t: string): boolean {
  const ms = Date.parse(t);
  return Number.isFinite(ms) && Number(t.slice(0, 4)) >= 1 && new Date(ms).toISOString().slice(0, 23) === t.slice(0, 23);
}

const positionSchema = z
  .object({
    v: z.literal(1),
    t: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/).refine(isStorableInstant),
    s: z.string().regex(SESSION_ID_PATTERN),
  })
  .strict();

export function encodeExportCursor(position: ExportPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, t: position.startTime, s: position.sessionId })).toString('base64url');
}

/** The position a cursor names, or null when it is not one this server wrote. */
export function decodeExportCursor(cursor: string): ExportPosition | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = positionSchema.safeParse(json);
  return parsed.success ? { startTime: parsed.data.t, sessionId: parsed.data.s } : null;
}
