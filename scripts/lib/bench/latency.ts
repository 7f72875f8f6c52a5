/** Percentiles of latencies in ms (nearest rank). */
export function percentiles(samples: number[], ranks: number[] = [50, 95, 99]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
  return Object.fromEntries(ranks.map((p) => [`p${p}`, Number(at(p).toFixed(2))]));
}
