/** A span of time, in epoch milliseconds. */
export interface Interval {
  startMs: number;
  endMs: number;
}

/**
 * The most intervals that overlap at any instant. One that ends when another starts does not overlap it:
 * the end frees the slot first.
 */
export function mostOverlapping(intervals: readonly Interval[]): number {
  const edges = intervals.flatMap(({ startMs, endMs }) => [
    { at: startMs, delta: 1 },
    { at: endMs, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let most = 0;
  for (const edge of edges) {
    current += edge.delta;
    most = Math.max(most, current);
  }
  return most;
}
