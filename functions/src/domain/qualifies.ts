export const DEFAULT_QUALIFY_MINUTES = 30;

/** Policy: seconds, not rounded minutes; a date qualifies at exactly the threshold: 1800 s does, 1799 s does not. */
export function qualifies(creditSeconds: number, qualifySeconds: number): boolean {
  return creditSeconds >= qualifySeconds;
}
