/** The learning-rate schedules of the main job. */
export const scheduleNames = ['exponential', 'one-cycle'] as const;
export type ScheduleName = (typeof scheduleNames)[number];

/** One-cycle's warm-up: the first 30% of the run (PyTorch's OneCycleLR default `pct_start`). */
export const ONE_CYCLE_WARMUP = 0.3;
/** One-cycle starts at the peak / 25 (OneCycleLR's `div_factor`). */
const ONE_CYCLE_START = 1 / 25;

/**
 * One-cycle (Smith & Topin 2018, the shape of PyTorch's OneCycleLR with cosine annealing): from peak/25 up
 * to `peak` over the warm-up, then down to 0 at the end of the run, both halves cosine. `progress` is the
 * fraction of the run done, in [0, 1]. A large rate early explores; annealing to zero at the end settles
 * into a minimum, which a fixed epoch budget gets the most out of.
 */
export function oneCycleRate(peak: number, progress: number, warmup = ONE_CYCLE_WARMUP): number {
  const p = Math.min(Math.max(progress, 0), 1);
  const cosineFrom = (from: number, to: number, t: number) =>
    to + ((from - to) * (1 + Math.cos(Math.PI * t))) / 2;
  if (p < warmup) return cosineFrom(peak * ONE_CYCLE_START, peak, p / warmup);
  return cosineFrom(peak, 0, (p - warmup) / (1 - warmup));
}

/**
 * How far a run is: the larger of its steps done over all its steps and, with a time limit, its time spent
 * over the limit. So a time-limited run anneals to zero by its deadline on any machine, and one that
 * finishes its epochs first anneals by its last step.
 */
export function runProgress(step: number, steps: number, seconds: number, limitSeconds: number): number {
  const byTime = limitSeconds > 0 ? seconds / limitSeconds : 0;
  return Math.min(1, Math.max(step / steps, byTime));
}
