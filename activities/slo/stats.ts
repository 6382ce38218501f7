/** Nearest-rank percentile (the value at rank ⌈p/100 · n⌉): always a value that was observed. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The `limit` most frequent values, most frequent first (ties by name, so the order is stable). */
export function topCounts(values: readonly string[], limit = Infinity): Array<{ reason: string; count: number }> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, limit);
}

/**
 * Most intervals open at once, when, and the longest of those intervals (how long the oldest task
 * of that peak waited in the end). Intervals are [start, end) in epoch ms; an interval that ends
 * exactly when another starts does not overlap it.
 */
export function maxOverlap(intervals: ReadonlyArray<{ start: number; end: number }>): { max: number; at: number | null; longestMs: number } {
  const valid = intervals.filter((i) => i.end > i.start);
  const events = valid.flatMap((i, id) => [
    { t: i.start, d: 1, id },
    { t: i.end, d: -1, id },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  const open = new Set<number>();
  let best = { max: 0, at: null as number | null, longestMs: 0 };
  for (const e of events) {
    if (e.d > 0) open.add(e.id);
    else open.delete(e.id);
    if (e.d > 0 && open.size > best.max) best = { max: open.size, at: e.t, longestMs: Math.max(...[...open].map((id) => valid[id]!.end - valid[id]!.start)) };
  }
  return best;
}
