import type { KeyRange } from './keyRanges';

/**
 * Firestore's order of full document paths: segment by segment ("users/a/x" sorts before
 * "users/a-b/x", though "/" is above "-" as a character).
 */
export function comparePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * The ranges between split points, which Firestore may return out of order and repeated: sorted and
 * de-duplicated here, then [null, p1), [p1, p2), …, [pk, null), so together they hold every key once.
 */
export function rangesOfPoints(points: readonly string[]): KeyRange[] {
  const sorted = [...new Set(points)].sort(comparePaths);
  const edges: Array<string | null> = [null, ...sorted, null];
  return edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1] as string | null }));
}

/** Task `index` of `count` takes every count-th range, so each gets a share even when Firestore returned fewer than asked. */
export function rangesOfTask(all: readonly KeyRange[], index: number, count: number): KeyRange[] {
  return all.filter((_, i) => i % count === index);
}
