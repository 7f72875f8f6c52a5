/** [from, to) over document keys in Firestore's order; null is unbounded. */
export interface KeyRange {
  from: string | null;
  to: string | null;
}

// Firestore auto-ids are 20 characters of this alphabet (here in byte order), so splitting on
// two-character prefixes gives ranges of nearly equal size without reading anything.
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CELLS = ALPHABET.length * ALPHABET.length;
export const MAX_RANGES = CELLS;

function boundary(cell: number, prefix: string): string {
  return prefix + ALPHABET[Math.floor(cell / ALPHABET.length)] + ALPHABET[cell % ALPHABET.length];
}

/**
 * The key ranges of shard `shard` (0-based) of `shards`, cut into `partitions` ranges. Together the
 * shards cover every key exactly once, whatever the keys are (ids outside the alphabet included).
 * `prefix` is prepended for collection-group keys, which are full paths (e.g. "users/").
 */
export function keyRanges(shard: number, shards: number, partitions: number, prefix = ''): KeyRange[] {
  const total = shards * partitions;
  if (!Number.isInteger(total) || total < 1 || total > CELLS) throw new RangeError(`shards × partitions must be 1..${CELLS}`);
  const edge = (k: number): string | null => (k === 0 || k === total ? null : boundary(Math.round((k * CELLS) / total), prefix));
  return Array.from({ length: partitions }, (_, p) => {
    const k = shard * partitions + p;
    return { from: edge(k), to: edge(k + 1) };
  });
}

export function inRange(key: string, range: KeyRange): boolean {
  return (range.from === null || key >= range.from) && (range.to === null || key < range.to);
}
