// IANA names are letters, digits and _ + - in slash-separated parts; this keeps offsets like '+05:00' out
// even where Intl starts to accept them.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

// Building an Intl.DateTimeFormat costs tens of microseconds and the hot path asks about the same few
// zones again and again; bounded so hostile input cannot grow it without limit.
const known = new Map<string, boolean>();
const MAX_REMEMBERED = 1000;

/** True for IANA zone names the runtime knows, aliases included (Asia/Calcutta, US/Eastern, UTC). */
export function isValidTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name.length > 64 || !IANA_NAME.test(name)) return false;
  const remembered = known.get(name);
  if (remembered !== undefined) return remembered;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    valid = true;
  } catch {
    valid = false;
  }
  if (known.size >= MAX_REMEMBERED) known.clear();
  known.set(name, valid);
  return valid;
}

/** The runtime's (ICU's) canonical name of a zone (`CET` → `Europe/Brussels` with tzdata 2024b and later), or null when it does not know the name. */
export function runtimeCanonicalTimeZone(name: string): string | null {
  if (!isValidTimeZone(name)) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}
