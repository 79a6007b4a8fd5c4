/** Training speed per backend, measured by the app: samples per second over recent steps. */

/** One backend's measured speed. */
export interface SpeedRecord {
  backend: string;
  /** Samples per second over the recorded window (total samples / total time). */
  samplesPerSecond: number;
  steps: number;
  samples: number;
}

/**
 * Keeps the last `window` steps of each backend (samples and milliseconds each); the first step on a backend
 * (kernel compilation, warm-up) is left out so that the figure is the steady speed.
 */
export class SpeedMeter {
  private readonly steps = new Map<string, { samples: number; ms: number }[]>();
  private readonly warmed = new Set<string>();

  constructor(readonly window = 20) {}

  /** Records one step of `samples` that took `ms` milliseconds on `backend`. */
  record(backend: string, samples: number, ms: number): void {
    if (!(ms >= 0) || !(samples > 0))
      throw new Error(`SpeedMeter.record: bad step (${samples} samples, ${ms} ms)`);
    if (!this.warmed.has(backend)) {
      this.warmed.add(backend);
      return;
    }
    const list = this.steps.get(backend) ?? [];
    list.push({ samples, ms });
    if (list.length > this.window) list.shift();
    this.steps.set(backend, list);
  }

  /** The speed of one backend, or null before it has a steady step. */
  speed(backend: string): SpeedRecord | null {
    const list = this.steps.get(backend);
    if (!list?.length) return null;
    const samples = list.reduce((n, s) => n + s.samples, 0);
    const ms = list.reduce((n, s) => n + s.ms, 0);
    return {
      backend,
      samplesPerSecond: ms > 0 ? (samples * 1000) / ms : Number.POSITIVE_INFINITY,
      steps: list.length,
      samples,
    };
  }

  /** Every backend measured so far, fastest first. */
  all(): SpeedRecord[] {
    return [...this.steps.keys()]
      .map((b) => this.speed(b))
      .filter((r): r is SpeedRecord => r !== null)
      .sort((a, b) => b.samplesPerSecond - a.samplesPerSecond);
  }
}
