// IANA names are letters, digits and _ + - in slash-separated parts; this keeps offsets like '+05:00' out
// even where Intl starts to accept them.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** True for IANA zone names the runtime knows, aliases included (Asia/Calcutta, US/Eastern, UTC). */
export function isValidTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name.length > 64 || !IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
