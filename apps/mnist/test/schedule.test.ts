import { describe, expect, it } from 'vitest';
import { ONE_CYCLE_WARMUP, oneCycleRate, runProgress } from '../src/schedule.js';

describe('the one-cycle schedule', () => {
  const peak = 0.01;
  it('rises from peak/25 to the peak over the first 30%, then anneals to 0 at the end (cosine both ways)', () => {
    expect(ONE_CYCLE_WARMUP).toBe(0.3);
    expect(oneCycleRate(peak, 0)).toBeCloseTo(peak / 25, 15);
    // Half-way through each cosine half, the rate is half-way between its ends.
    expect(oneCycleRate(peak, 0.15)).toBeCloseTo((peak / 25 + peak) / 2, 15);
    expect(oneCycleRate(peak, 0.3)).toBeCloseTo(peak, 15);
    expect(oneCycleRate(peak, 0.65)).toBeCloseTo(peak / 2, 15);
    // A quarter of the way down: cos(pi/4) gives peak * (1 + sqrt(2)/2) / 2.
    expect(oneCycleRate(peak, 0.3 + 0.7 / 4)).toBeCloseTo((peak * (1 + Math.SQRT1_2)) / 2, 15);
    expect(oneCycleRate(peak, 1)).toBe(0);
    // Out-of-range progress is clamped, not extrapolated.
    expect(oneCycleRate(peak, 1.5)).toBe(0);
    expect(oneCycleRate(peak, -1)).toBeCloseTo(peak / 25, 15);
  });

  it('goes up, then only down', () => {
    const rates = Array.from({ length: 101 }, (_, i) => oneCycleRate(peak, i / 100));
    for (let i = 1; i <= 30; i++) expect(rates[i]!).toBeGreaterThan(rates[i - 1]!);
    for (let i = 31; i <= 100; i++) expect(rates[i]!).toBeLessThan(rates[i - 1]!);
  });

  it("a run's progress is the larger of its steps and its time, capped at 1", () => {
    expect(runProgress(10, 100, 0, 0)).toBe(0.1); // no time limit: steps only
    expect(runProgress(10, 100, 30, 60)).toBe(0.5); // slower than planned: time leads
    expect(runProgress(80, 100, 30, 60)).toBe(0.8); // faster: steps lead
    expect(runProgress(100, 100, 90, 60)).toBe(1);
  });
});
