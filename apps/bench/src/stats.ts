/** The figures every timing is reported with: the median of the timed runs, and their spread. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Number of values summarized. */
  count: number;
}

/** Median (mean of the two middle values for an even count), min and max. Rejects an empty list or NaN. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`summarize: non-finite value in [${values}]`);
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, count: sorted.length };
}

/**
 * A rate (work per second) from a time summary in milliseconds: the fastest run gives the highest rate,
 * so min and max swap.
 */
export function rateOf(work: number, timeMs: Summary): Summary {
  const rate = (ms: number) => work / (ms / 1000);
  return { median: rate(timeMs.median), min: rate(timeMs.max), max: rate(timeMs.min), count: timeMs.count };
}
